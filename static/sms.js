// SMS pages: the segment count and price while typing, and a batch's progress bar.
// The count follows the server's rules (callcenter/domain/segments.py, sms_text.py):
// GSM-7 with the extension table counting 2, 160 / 153; otherwise UCS-2 in UTF-16
// units, 70 / 67. The server checks and prices again when the batch is sent.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";

  function segment(text) {
    var units = 0, gsm = true;
    for (var ch of text) {
      if (BASIC.indexOf(ch) >= 0) { units += 1; }
      else if (EXTENSION.indexOf(ch) >= 0) { units += 2; }
      else { gsm = false; break; }
    }
    var single = 160, part = 153, encoding = "GSM-7";
    if (!gsm) { units = text.length; single = 70; part = 67; encoding = "UCS-2"; }
    var segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / part);
    return { encoding: encoding, units: units, segments: segments };
  }

  function append(body, line) {
    body = body.replace(/\s+$/, "");
    if (!line || body.slice(-line.length) === line) { return body; }
    return body + " " + line;
  }

  function compose(body, china, kind, words) {
    body = body.trim();
    if (china) {
      var sig = words.signature.replace(/[【】\[\]]/g, "").trim();
      var tag = sig ? "【" + sig + "】" : "";
      if (tag && body.indexOf(tag) !== 0) { body = tag + body; }
      return kind === "marketing" ? append(body, words.optOutCn) : body;
    }
    return kind === "marketing" ? append(body, words.optOut) : body;
  }

  function money(micros) {  // as format_amount: at least two decimals
    var whole = Math.floor(micros / 1e6), frac = String(micros % 1e6).padStart(6, "0");
    frac = frac.replace(/0+$/, "");
    while (frac.length < 2) { frac += "0"; }
    return whole + "." + frac;
  }

  function numbersOf(text) {
    var seen = {}, out = [];
    text.split(/[\n,;]+/).forEach(function (raw) {
      var n = raw.replace(/[\s().-]/g, "");
      if (/^\+[1-9]\d{6,14}$/.test(n) && !seen[n]) { seen[n] = true; out.push(n); }
    });
    return out;
  }

  function price(number, prices, fallback) {
    var digits = number.slice(1);
    for (var len = digits.length; len > 0; len--) {
      if (Object.prototype.hasOwnProperty.call(prices, digits.slice(0, len))) {
        return prices[digits.slice(0, len)];
      }
    }
    return fallback;
  }

  function setupForm(box) {
    var words = { signature: box.dataset.signature, optOut: box.dataset.optOut,
                  optOutCn: box.dataset.optOutCn };
    var prices = JSON.parse(box.dataset.prefixes || "{}"), fallback = Number(box.dataset.price);
    var body = box.querySelector(".sms-body"), to = box.querySelector(".sms-to");
    var kind = box.querySelector(".sms-kind"), file = box.querySelector(".sms-file");
    var out = box.querySelector(".sms-estimate"), fromFile = [];

    function update() {
      var numbers = numbersOf(to.value + "\n" + fromFile.join("\n"));
      var texts = { cn: compose(body.value, true, kind.value, words),
                    other: compose(body.value, false, kind.value, words) };
      var counts = { cn: segment(texts.cn), other: segment(texts.other) };
      var total = 0, recipients = { cn: 0, other: 0 };
      numbers.forEach(function (n) {
        var which = n.indexOf("+86") === 0 ? "cn" : "other";
        recipients[which] += 1;
        total += counts[which].segments * price(n, prices, fallback);
      });
      var lines = [];
      ["other", "cn"].forEach(function (which) {
        var c = counts[which];
        if (which === "cn" && !recipients.cn) { return; }
        var unit = c.encoding === "GSM-7" ? "%(units)s characters" : "%(units)s UTF-16 units";
        var size = c.segments === 1 ? "1 segment per message" : "%(segments)s segments per message";
        lines.push((which === "cn" ? t("To +86:") + " " : "") +
          t(unit + " in %(encoding)s, " + size,
            { units: c.units, encoding: c.encoding, segments: c.segments }));
      });
      lines.push(t(numbers.length === 1
        ? "1 recipient: about %(amount)s %(currency)s if it passes the checks"
        : "%(count)s recipients: about %(amount)s %(currency)s if all pass the checks",
        { count: numbers.length, amount: money(total), currency: box.dataset.currency }));
      out.textContent = lines.join(" · ");
    }

    [body, to, kind].forEach(function (el) { el.addEventListener("input", update); });
    kind.addEventListener("change", update);
    file.addEventListener("change", function () {
      if (!file.files.length) { fromFile = []; update(); return; }
      file.files[0].text().then(function (text) {
        var rows = text.split(/\r?\n/).map(function (line) { return line.split(","); });
        var header = (rows[0] || []).map(function (h) { return h.trim().toLowerCase(); });
        var col = header.indexOf("number");
        fromFile = rows.slice(col >= 0 ? 1 : 0).map(function (r) {
          return (r[col >= 0 ? col : 0] || "").replace(/^"|"$/g, "").trim();
        });
        update();
      });
    });
    update();
  }

  function setupProgress(box) {
    var bar = box.querySelector(".sms-bar"), counted = box.querySelector(".sms-counted");
    var counts = box.querySelector(".sms-counts"), badge = box.querySelector(".sms-status");
    if (box.dataset.done === "true") { return; }
    function poll() {
      fetch(box.dataset.url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          bar.max = p.accepted || 1; bar.value = p.accepted ? p.finished : 1;
          counted.textContent = t("%(done)s of %(total)s", { done: p.finished, total: p.accepted });
          badge.textContent = p.status;
          counts.textContent = Object.keys(p.counts).sort().map(function (k) {
            return k + ": " + p.counts[k];
          }).join(" · ");
          if (p.done) { window.location.reload(); } else { setTimeout(poll, 2000); }
        }, function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  }

  document.querySelectorAll(".sms-form").forEach(setupForm);
  document.querySelectorAll(".sms-progress").forEach(setupProgress);
})();
