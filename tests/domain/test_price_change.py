"""Which price changes are raises."""

from callcenter.domain.price_change import Prices, changes, raises


def _p(**kw):
    base = {"per_minute": 100, "increment": (60, 60), "connect_fee": 0}
    return Prices(**{**base, **kw})


def test_dropping_a_cheap_prefix_raises_its_numbers_to_the_default():
    old, new = _p(prefixes={"44": 50}), _p()
    assert [(c.item, c.old, c.new) for c in raises(old, new)] == [("per_minute:44", 50, 100)]


def test_a_longer_prefix_is_compared_through_the_shorter_one():
    old = _p(prefixes={"44": 50})
    new = _p(prefixes={"44": 50, "4420": 70})
    assert [c.item for c in raises(old, new)] == ["per_minute:4420"]
    assert raises(new, old) == [] and [c.item for c in changes(new, old)] == ["per_minute:4420"]


def test_increments_sms_and_seats():
    assert [c.item for c in raises(_p(), _p(increment=(60, 1)))] == []
    assert [c.item for c in raises(_p(increment=(1, 1)), _p(increment=(60, 1)))] == [
        "billing_increment"]
    assert raises(_p(), _p(sms_per_segment=5)) == []  # a new service is not a raise
    assert [c.item for c in raises(_p(sms_per_segment=5, sms_prefixes={"86": 4}),
                                   _p(sms_per_segment=5))] == ["sms_per_segment:86"]
    assert [c.item for c in raises(_p(seat_price_monthly=1), _p(seat_price_monthly=2))] == [
        "seat_price_monthly"]
