// CSV import in chunks, so a file of thousands of rows shows real progress and each
// row's outcome (valid, duplicate, invalid with the reason).
(function () {
  "use strict";
  var CHUNK = 500;

  function parseCsv(text) {
    var rows = [], row = [], cell = "", quoted = false;
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
        else if (ch === '"') { quoted = false; }
        else { cell += ch; }
      } else if (ch === '"') { quoted = true; }
      else if (ch === ",") { row.push(cell); cell = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") { i++; }
        row.push(cell); rows.push(row); row = []; cell = "";
      } else { cell += ch; }
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows.filter(function (r) { return r.some(function (c) { return c.trim(); }); });
  }

  function toRecords(rows) {
    var header = rows[0].map(function (h) { return h.trim().toLowerCase(); });
    var hasHeader = header.indexOf("number") >= 0;
    var body = hasHeader ? rows.slice(1) : rows;
    return {
      first: hasHeader ? 2 : 1,
      records: body.map(function (cells) {
        if (!hasHeader) { return { number: (cells[0] || "").trim() }; }
        var rec = {};
        header.forEach(function (name, i) { if (cells[i] !== undefined) { rec[name] = cells[i].trim(); } });
        return rec;
      })
    };
  }

  function setup(box) {
    var token = document.querySelector('meta[name="csrf-token"]').content;
    var file = box.querySelector(".import-file"), bar = box.querySelector(".import-progress");
    var status = box.querySelector(".import-status"), problems = box.querySelector(".import-problems");
    var extra = box.querySelector(".import-extra");
    box.querySelector(".import-start").addEventListener("click", function () {
      if (!file.files.length) { status.textContent = t("Choose a CSV file first."); return; }
      file.files[0].text().then(function (text) {
        var parsed = toRecords(parseCsv(text)), total = parsed.records.length;
        var counts = { valid: 0, duplicate: 0, invalid: 0 }, tbody = problems.querySelector("tbody");
        tbody.innerHTML = ""; bar.hidden = false; bar.value = 0;
        var url = box.dataset.url + (extra && extra.value ? "?" + extra.dataset.name + "=" + encodeURIComponent(extra.value) : "");
        function send(offset) {
          if (offset >= total) {
            status.textContent = t("Done: %(valid)s applied, %(duplicate)s duplicate, %(invalid)s invalid.",
              counts);
            return;
          }
          var chunk = parsed.records.slice(offset, offset + CHUNK);
          fetch(url, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": token },
            body: JSON.stringify({ rows: chunk, first_row: parsed.first + offset })
          }).then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
            .then(function (res) {
              if (!res[0]) { status.textContent = res[1].error.message; return; }
              ["valid", "duplicate", "invalid"].forEach(function (k) { counts[k] += res[1][k]; });
              res[1].rows.forEach(function (row) {
                if (row.status === "valid") { return; }
                var tr = document.createElement("tr");
                [row.row, row.input, row.status, row.reason || ""].forEach(function (v) {
                  var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
                });
                tbody.appendChild(tr); problems.hidden = false;
              });
              bar.value = Math.round(100 * Math.min(offset + CHUNK, total) / total);
              status.textContent = t("%(done)s of %(total)s rows",
                                     { done: Math.min(offset + CHUNK, total), total: total });
              send(offset + CHUNK);
            }, function () { status.textContent = t("The import stopped: network error."); });
        }
        send(0);
      });
    });
  }

  document.querySelectorAll(".import").forEach(setup);
})();
