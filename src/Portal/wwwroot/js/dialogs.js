// Confirmation dialogs: a link with data-dialog="id" opens that <dialog> instead of loading the
// page's inline confirmation (the path that works without scripts).
(() => {
  "use strict";
  for (const opener of document.querySelectorAll("[data-dialog]")) {
    opener.addEventListener("click", (event) => {
      const dialog = document.getElementById(opener.dataset.dialog);
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
      }
    });
  }
})();
