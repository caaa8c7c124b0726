// The export form's "Select all" box ticks or clears every field's box. import-export wires it with an
// inline onchange attribute, which the Content-Security-Policy blocks; this file replaces it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("id_select_all_toggle");
  if (!toggle) {
    return;
  }
  toggle.addEventListener("change", () => {
    document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((box) => {
      if (box !== toggle) {
        box.checked = toggle.checked;
      }
    });
  });
});
