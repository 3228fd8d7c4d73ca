// Card top-up: create a PaymentIntent through the portal, confirm it with Stripe.js.
// Loaded as a file (the Content-Security-Policy allows no inline script).
(function () {
  const form = document.getElementById('topup-form');
  if (!form || typeof Stripe === 'undefined') { return; }
  const result = document.getElementById('topup-result');
  const submit = document.getElementById('topup-submit');
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    result.textContent = 'Processing…';
    const response = await fetch(form.dataset.intentUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': form.dataset.csrf},
      body: JSON.stringify({amount: document.getElementById('topup-amount').value,
                            request_key: form.dataset.requestKey})});
    const body = await response.json();
    if (!response.ok) {
      result.textContent = body.error ? body.error.message : 'The payment could not start.';
      submit.disabled = false;
      return;
    }
    const outcome = await stripe.confirmCardPayment(body.client_secret,
                                                    {payment_method: {card: card}});
    if (outcome.error) {
      result.textContent = outcome.error.message;
      submit.disabled = false;
    } else {
      result.textContent = 'Payment received. Your balance updates in a moment.';
      setTimeout(() => window.location.reload(), 2500);
    }
  });
})();
