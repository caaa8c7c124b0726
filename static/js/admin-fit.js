// A changelist cell cut short by the stylesheet (static/css/admin.css) shows its whole text in its title.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("#result_list td, #result_list th").forEach((cell) => {
    if (cell.scrollWidth > cell.clientWidth && !cell.querySelector("[title]") && !cell.title) {
      cell.title = cell.textContent.trim();
    }
  });
});
