// Proof of work for the access-code form (guichet/portal/challenge.py): find a nonce so that
// SHA-256(challenge + nonce) starts with N zero bits. It runs in the background as soon as the page
// opens; the button stays a normal submit button. Without crypto.subtle (an old browser, plain http)
// nothing happens and the server applies its stricter no-proof limit instead.
(function () {
  "use strict";
  var form = document.querySelector("form[data-pow-bits]");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var bits = parseInt(form.dataset.powBits, 10);
  var challenge = form.querySelector("[name=pow_challenge]").value;
  var nonceInput = form.querySelector("[name=pow_nonce]");
  var status = form.querySelector("[data-pow-status]");
  var encoder = new TextEncoder();
  var solved = false;
  var submitWhenSolved = false;
  var BATCH = 512;

  function say(text) {
    status.hidden = false;
    status.textContent = text;
  }

  function zeroBits(buffer) {
    var bytes = new Uint8Array(buffer);
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      return count + Math.clz32(bytes[i]) - 24;
    }
    return count;
  }

  function search(start) {
    var digests = [];
    for (var n = start; n < start + BATCH; n++) {
      digests.push(window.crypto.subtle.digest("SHA-256", encoder.encode(challenge + n)));
    }
    return Promise.all(digests).then(function (results) {
      for (var i = 0; i < results.length; i++) {
        if (zeroBits(results[i]) >= bits) return String(start + i);
      }
      return search(start + BATCH);
    });
  }

  form.addEventListener("submit", function (event) {
    if (solved) return;
    event.preventDefault();
    submitWhenSolved = true;
    say(status.dataset.waiting);
  });

  say(status.dataset.working);
  search(0).then(function (nonce) {
    nonceInput.value = nonce;
    solved = true;
    say(status.dataset.done);
    if (submitWhenSolved) form.submit();
  }, function () {
    // The browser refused to hash: let the form go without a proof.
    solved = true;
    status.hidden = true;
    if (submitWhenSolved) form.submit();
  });
})();
