// Cancel in an inline disclosure (Rename, Remove on Manage credentials): closes it and gives the
// focus back to its summary. Without scripts the Cancel link reloads the page, which closes it too.
(() => {
  "use strict";

  document.addEventListener("click", (event) => {
    const cancel = event.target instanceof Element ? event.target.closest("[data-close-details]") : null;
    const details = cancel?.closest("details");
    if (!details) { return; }
    event.preventDefault();
    details.open = false;
    details.querySelector("summary")?.focus();
  });
})();
