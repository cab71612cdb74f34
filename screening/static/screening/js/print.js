// "Print" buttons ([data-print]) of the screening plan and the patient sheet. A static file:
// the Content-Security-Policy allows no inline event handler (onclick=...).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
