// digit-py citizen app: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // A choice in a GET form (city) applies at once; without JavaScript its button does it.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // The browser's geolocation fills latitude and longitude when the citizen allows it.
  var locate = document.getElementById("use-location");
  if (locate && "geolocation" in navigator) {
    var status = document.getElementById("location-status");
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = locate.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        status.textContent = "";
      }, function () { status.textContent = locate.dataset.failed; }, { timeout: 10000 });
    });
  }
  // At most N photos: say so before the upload, not after it.
  var photos = document.getElementById("photos");
  if (photos) {
    photos.addEventListener("change", function () {
      var max = parseInt(photos.dataset.max, 10);
      photos.setCustomValidity(photos.files.length > max ? photos.dataset.tooMany : "");
      photos.reportValidity();
    });
  }
})();
