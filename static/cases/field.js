// Phone helpers of the case pages: the position from the browser, the reporter's fields for
// reports taken down for someone else, and previews of the photos chosen.
(() => {
  "use strict";

  const positionBox = (element) => element.closest("[data-position]");

  const setPosition = (box, latitude, longitude, text) => {
    const lat = box.querySelector("input[name$='latitude']");
    const lon = box.querySelector("input[name$='longitude']");
    lat.value = latitude;
    lon.value = longitude;
    box.querySelector("[data-geo-status]").textContent = text;
    const clear = box.querySelector("[data-geo-clear]");
    if (clear) clear.hidden = latitude === "";
    // Hidden inputs fire no change event of their own; the duplicate hints listen for one.
    lat.dispatchEvent(new Event("change", { bubbles: true }));
  };

  document.addEventListener("click", (event) => {
    const locate = event.target.closest("[data-geo]");
    if (locate) {
      const box = positionBox(locate);
      const status = box.querySelector("[data-geo-status]");
      if (!("geolocation" in navigator)) {
        status.textContent = box.dataset.msgUnsupported;
        return;
      }
      locate.disabled = true;
      status.textContent = box.dataset.msgLocating;
      navigator.geolocation.getCurrentPosition(
        (found) => {
          locate.disabled = false;
          // Six decimals (about 0.1 m) is what the case stores.
          const latitude = found.coords.latitude.toFixed(6);
          const longitude = found.coords.longitude.toFixed(6);
          setPosition(box, latitude, longitude, `${latitude}, ${longitude} (±${Math.round(found.coords.accuracy)} m)`);
        },
        () => {
          locate.disabled = false;
          status.textContent = box.dataset.msgFailed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
      return;
    }
    const clear = event.target.closest("[data-geo-clear]");
    if (clear) {
      const box = positionBox(clear);
      setPosition(box, "", "", box.dataset.msgNone);
    }
  });

  // The reporter's name and phone matter only when someone else reported it.
  const syncChannel = (select) => {
    const onBehalf = (select.dataset.onBehalf || "").split(" ").includes(select.value);
    const form = select.form || document;
    form.querySelectorAll("[data-on-behalf-fields]").forEach((fields) => {
      fields.hidden = !onBehalf;
    });
  };

  const showPreviews = (input) => {
    const grid = document.querySelector(`[data-preview-for="${input.id}"]`);
    if (!grid) return;
    grid.querySelectorAll("img").forEach((img) => URL.revokeObjectURL(img.src));
    grid.replaceChildren();
    Array.from(input.files || []).forEach((file) => {
      if (!file.type.startsWith("image/")) return;
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      grid.appendChild(img);
    });
  };

  document.addEventListener("change", (event) => {
    const field = event.target;
    if (!field.matches) return;
    if (field.matches("select[data-channel]")) syncChannel(field);
    if (field.matches("input[type=file]")) showPreviews(field);
  });

  const init = () => document.querySelectorAll("select[data-channel]").forEach(syncChannel);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
