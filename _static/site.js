/* The sidebar buttons, bound whichever version of the theme built the page.
 *
 * pydata-sphinx-theme renders a ☰ (".primary-toggle") and an "On this page"
 * (".secondary-toggle") button in its own header, and sphinx-book-theme renders a
 * second pair in the article header; the theme binds its handler with
 * querySelector to the first (hidden) one only, so the visible buttons did
 * nothing but show a tooltip. One listener on the document, in the capture
 * phase, handles a click on ANY of them before the theme's own handlers:
 *   - narrow screens (< 992 px): open the sidebar as a modal drawer (the theme's
 *     <dialog>), moving the sidebar's contents into it and back when it closes;
 *   - wide screens: ☰ hides and shows the sidebar beside the text.
 * A theme that uses <label for="__primary"> checkboxes (older versions) works
 * by itself: labels are left alone.
 */
(function () {
  "use strict";
  var WIDE = "(min-width: 992px)";

  function move(from, to) {
    Array.from(from.childNodes).forEach(function (node) { to.appendChild(node); });
    Array.from(from.classList).forEach(function (cls) {
      from.classList.remove(cls);
      to.classList.add(cls);
    });
  }

  function hideTooltips() {
    document.querySelectorAll(".tooltip").forEach(function (tip) { tip.remove(); });
  }

  function openDrawer(kind) {
    var sidebar = document.getElementById("pst-" + kind + "-sidebar");
    var dialog = document.getElementById("pst-" + kind + "-sidebar-modal");
    if (!sidebar || !dialog || typeof dialog.showModal !== "function") {
      return false;
    }
    if (dialog.open) {
      dialog.close();
      return true;
    }
    move(sidebar, dialog);
    dialog.showModal();
    dialog.addEventListener("close", function () { move(dialog, sidebar); }, { once: true });
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".primary-toggle, .secondary-toggle");
    if (!button || button.tagName === "LABEL") {
      return;
    }
    var kind = button.classList.contains("primary-toggle") ? "primary" : "secondary";
    var handled;
    if (kind === "primary" && window.matchMedia(WIDE).matches) {
      var sidebar = document.getElementById("pst-primary-sidebar");
      handled = !!sidebar;
      if (sidebar) {
        var hidden = sidebar.classList.toggle("pst-sidebar-hidden");
        button.setAttribute("aria-expanded", hidden ? "false" : "true");
      }
    } else {
      handled = openDrawer(kind);
    }
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
      button.blur();
      hideTooltips();
    }
  }, true);

  // A click on the backdrop (outside the drawer's box) closes the drawer.
  document.addEventListener("click", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement) || !dialog.open ||
        !/-sidebar-modal$/.test(dialog.id)) {
      return;
    }
    var box = dialog.getBoundingClientRect();
    var inside = event.clientX >= box.left && event.clientX <= box.right &&
                 event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) {
      dialog.close();
    }
  });
})();

// The animations (backprop.animation): every frame is in the page as a still
// sequence; here it becomes a player with play/pause, previous/next and a slider,
// all usable from the keyboard (the arrow keys, Home and End step too). Nothing plays
// by itself, and a reader who asks for reduced motion keeps the still sequence.
(function () {
  "use strict";
  function player(figure) {
    var frames = Array.prototype.slice.call(figure.querySelectorAll(".bp-frame"));
    var controls = figure.querySelector(".bp-controls");
    if (frames.length < 2 || !controls) {
      return;
    }
    var play = controls.querySelector(".bp-play");
    var range = controls.querySelector(".bp-range");
    var step = controls.querySelector(".bp-step");
    var interval = parseInt(figure.dataset.interval, 10) || 700;
    var current = 0, timer = null;

    function show(k) {
      current = Math.max(0, Math.min(frames.length - 1, k));
      frames.forEach(function (frame, i) {
        frame.classList.toggle("bp-current", i === current);
        frame.setAttribute("aria-hidden", i === current ? "false" : "true");
      });
      range.value = String(current + 1);
      step.textContent = "Step " + (current + 1) + " of " + frames.length + ": " +
        frames[current].querySelector("svg").getAttribute("aria-label").replace(/^Step \d+ of \d+: /, "");
      figure.dataset.step = String(current + 1);
    }
    function pause() {
      if (timer !== null) {
        clearInterval(timer);
        timer = null;
      }
      play.textContent = "Play";
      play.setAttribute("aria-pressed", "false");
    }
    function start() {
      if (current === frames.length - 1) {
        show(0);
      }
      play.textContent = "Pause";
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(function () {
        if (current >= frames.length - 1) {
          pause();
        } else {
          show(current + 1);
        }
      }, interval);
    }
    play.addEventListener("click", function () {
      if (timer === null) { start(); } else { pause(); }
    });
    controls.querySelector(".bp-prev").addEventListener("click", function () {
      pause(); show(current - 1);
    });
    controls.querySelector(".bp-next").addEventListener("click", function () {
      pause(); show(current + 1);
    });
    range.addEventListener("input", function () {
      pause(); show(parseInt(range.value, 10) - 1);
    });
    figure.addEventListener("keydown", function (event) {
      var to = {ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0,
                End: frames.length - 1}[event.key];
      if (to === undefined || event.target === range) {
        return;
      }
      event.preventDefault();
      pause();
      show(to);
    });
    controls.hidden = false;
    figure.classList.add("bp-player");
    show(0);
  }
  function setup() {
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      return;  // the still sequence
    }
    var figures = document.querySelectorAll("figure.bp-animation");
    if (!("IntersectionObserver" in window)) {
      figures.forEach(player);
      return;
    }
    // each player is made when its figure comes near the screen: a page's first paint
    // does no work for an animation further down
    var watch = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          watch.unobserve(entry.target);
          player(entry.target);
        }
      });
    }, {rootMargin: "600px 0px"});
    figures.forEach(function (figure) { watch.observe(figure); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
