// Beside each amount field of the admin, the number the form will save, as one types ("Understood: USD 2.5
// billion"). The browser's copy of agreements/amounts.py (parse_amount, describe_amount), with the words the
// widget's <output> carries in its language; the server writes the same line for a page without scripts.
"use strict";

(() => {
  const PLAIN = /^\d+(?:\.\d+)?$/;
  const GROUPED = /^\d{1,3}([, ])\d{3}(?:\1\d{3})*(?:\.\d+)?$/;
  const SCALES = [
    ["trillion", 10n ** 12n],
    ["billion", 10n ** 9n],
    ["million", 10n ** 6n],
  ];

  // The amount in cents (a BigInt: amounts reach 10^16), null for blank text, undefined for text that is no amount.
  function parseCents(text) {
    const typed = text.trim().replace(/[\u00a0\u202f\u2009]/g, " ");
    if (typed === "") {
      return null;
    }
    if (!PLAIN.test(typed) && !GROUPED.test(typed)) {
      return undefined;
    }
    const [whole, decimals = ""] = typed.replace(/[, ]/g, "").split(".");
    if (decimals.length > 2) {
      return undefined;
    }
    return BigInt(whole) * 100n + BigInt(decimals.padEnd(2, "0"));
  }

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function formatCents(cents) {
    const whole = grouped((cents / 100n).toString());
    const rest = cents % 100n;
    return rest === 0n ? whole : `${whole}.${rest.toString().padStart(2, "0")}`;
  }

  // cents / scale in hundredths, rounded half to even as Python's Decimal.quantize does, trailing zeros dropped.
  function scaled(cents, scale) {
    let hundredths = cents / scale;
    const remainder = cents % scale;
    if (remainder * 2n > scale || (remainder * 2n === scale && hundredths % 2n === 1n)) {
      hundredths += 1n;
    }
    const whole = (hundredths / 100n).toString();
    const decimals = (hundredths % 100n).toString().padStart(2, "0").replace(/0+$/, "");
    return decimals ? `${whole}.${decimals}` : whole;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
  }

  function describe(cents, currency, words) {
    for (const [name, scale] of SCALES) {
      if (cents >= scale * 100n) {
        return fill(words[name], { currency, number: scaled(cents, scale) }).trim();
      }
    }
    return `${currency} ${formatCents(cents)}`.trim();
  }

  function currencyOf(input) {
    const field = input.dataset.currencyField;
    if (!field) {
      return "";
    }
    const name = input.name.slice(0, input.name.length - input.dataset.field.length) + field;
    const currency = input.form && input.form.elements.namedItem(name);
    return currency && "value" in currency ? currency.value.trim() : input.dataset.currency || "";
  }

  function update(input) {
    const output = input.nextElementSibling;
    if (!output || !output.classList.contains("amount-understood")) {
      return;
    }
    const cents = parseCents(input.value);
    if (cents === null) {
      output.textContent = "";
    } else if (cents === undefined) {
      output.textContent = output.dataset.invalid;
    } else {
      output.textContent = fill(output.dataset.understood, { amount: describe(cents, currencyOf(input), output.dataset) });
    }
  }

  document.addEventListener("input", (event) => {
    const target = event.target;
    if (target.classList && target.classList.contains("amount-input")) {
      update(target);
    } else if (target.form && target.name) {
      // A currency typed after the amount: the amounts of the same form row say it too.
      target.form.querySelectorAll(".amount-input[data-currency-field]").forEach((input) => {
        if (target.name.endsWith(input.dataset.currencyField)) {
          update(input);
        }
      });
    }
  });
})();
