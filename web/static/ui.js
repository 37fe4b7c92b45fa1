// Every page: switching the interface language keeps the place in the recording (#t=...),
// which a plain link would drop.
"use strict";
for (const a of document.querySelectorAll(".ui-switch a")) {
  a.addEventListener("click", () => {
    if (location.hash) a.href = a.href.split("#")[0] + location.hash;
  });
}
