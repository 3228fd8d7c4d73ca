// Top-up: create a PaymentIntent through the portal, confirm it with Stripe.js by card,
// Alipay (redirect) or WeChat Pay (QR code); and save a card for automatic top-ups.
// Loaded as a file (the Content-Security-Policy allows no inline script).
(function () {
  const form = document.getElementById('topup-form');
  if (!form || typeof Stripe === 'undefined') { return; }
  const result = document.getElementById('topup-result');
  const submit = document.getElementById('topup-submit');
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  const chosen = form.querySelector('input[name=method]:checked');
  const method = () => (form.querySelector('input[name=method]:checked') || {value: 'card'}).value;
  const cardLabel = document.getElementById('card-label');
  const showCard = () => { if (cardLabel) { cardLabel.hidden = method() !== 'card'; } };
  form.querySelectorAll('input[name=method]').forEach((el) => el.addEventListener('change', showCard));
  if (chosen) { showCard(); }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    result.textContent = t('Processing…');
    const response = await fetch(form.dataset.intentUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': form.dataset.csrf},
      body: JSON.stringify({amount: document.getElementById('topup-amount').value,
                            method: method(), request_key: form.dataset.requestKey})});
    const body = await response.json();
    if (!response.ok) {
      result.textContent = body.error ? body.error.message : t('The payment could not start.');
      submit.disabled = false;
      return;
    }
    let outcome;
    if (method() === 'alipay') {  // redirects to Alipay, then back to this page
      outcome = await stripe.confirmAlipayPayment(body.client_secret,
                                                  {return_url: form.dataset.returnUrl});
    } else if (method() === 'wechat_pay') {  // Stripe.js shows the QR code to scan
      outcome = await stripe.confirmWechatPayPayment(body.client_secret,
        {payment_method_options: {wechat_pay: {client: 'web'}}});
    } else {
      outcome = await stripe.confirmCardPayment(body.client_secret,
                                                {payment_method: {card: card}});
    }
    if (outcome.error) {
      result.textContent = outcome.error.message;
      submit.disabled = false;
    } else {
      result.textContent = t('Payment received. Your balance updates in a moment.');
      setTimeout(() => window.location.reload(), 2500);
    }
  });

  const setup = document.getElementById('card-setup-form');
  if (!setup) { return; }
  const saved = stripe.elements().create('card');
  saved.mount('#setup-card-element');
  setup.addEventListener('submit', async (event) => {
    if (document.getElementById('setup-intent').value) { return; }
    event.preventDefault();
    const status = document.getElementById('setup-result');
    status.textContent = t('Saving…');
    const response = await fetch(setup.dataset.setupUrl, {method: 'POST',
      credentials: 'same-origin', headers: {'X-CSRFToken': form.dataset.csrf}});
    const body = await response.json();
    if (!response.ok) { status.textContent = body.error.message; return; }
    const outcome = await stripe.confirmCardSetup(body.client_secret,
                                                  {payment_method: {card: saved}});
    if (outcome.error) { status.textContent = outcome.error.message; return; }
    document.getElementById('setup-intent').value = outcome.setupIntent.id;
    setup.submit();
  });
})();
