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

// Two jobs the theme does at load, done lazily. A long chapter is thousands of
// typeset-math elements, and its sections are laid out only near the screen
// (content-visibility: auto in site.css). The theme measured every code block to
// decide whether it scrolls (a tab stop for keyboard users), and Bootstrap's
// scroll-spy measured the target of every link on the page: each measurement lays
// out a section, so together they laid out the whole chapter before the reader
// could scroll (0.4-0.5 s of a phone's main thread). The build removes both (see
// _ext/book_site.py); here they are again, for what comes near the screen.
(function () {
  "use strict";
  if (!("IntersectionObserver" in window)) {
    return;
  }
  var SCROLLERS = ["pre", ".nboutput > .output_area", ".cell_output > .output",
                   ".jp-RenderedHTMLCommon", ".pst-scrollable-table-container"].join(", ");

  // A box that scrolls sideways can be reached with Tab, to scroll it with the
  // arrow keys; the others are left out of the tab order.
  function tabStop(box) {
    box.tabIndex = box.scrollWidth > box.clientWidth ||
                   box.scrollHeight > box.clientHeight ? 0 : -1;
  }
  // A section of the chapter that is laid out only near the screen, or null.
  var LAZY = ".bd-article > section > section";  // as in site.css
  function holder(el) {
    return el.closest(LAZY);
  }

  // An observer sees nothing inside a section that is not laid out yet, so it
  // watches the sections, and settles the boxes of one when it comes near.
  var near = null;
  function watchScrollers() {
    if (near !== null) {
      near.disconnect();
    }
    var boxes = new Map();
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var watched = holder(box) || box;
      if (!boxes.has(watched)) {
        boxes.set(watched, []);
      }
      boxes.get(watched).push(box);
    });
    near = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          near.unobserve(entry.target);
          boxes.get(entry.target).forEach(tabStop);
        }
      });
    }, {rootMargin: "100% 0px"});
    boxes.forEach(function (_, watched) { near.observe(watched); });
  }
  function tabStops() {
    watchScrollers();
    // a new width can change which boxes scroll
    var resized = null;
    window.addEventListener("resize", function () {
      clearTimeout(resized);
      resized = setTimeout(watchScrollers, 300);
    });
    // a folded cell's boxes are laid out when it is opened
    document.addEventListener("toggle", function (event) {
      if (event.target.open) {
        event.target.querySelectorAll(SCROLLERS).forEach(tabStop);
      }
    }, true);
    // the first Tab press settles every box at once, before focus moves
    document.addEventListener("keydown", function first(event) {
      if (event.key === "Tab") {
        document.removeEventListener("keydown", first, true);
        document.querySelectorAll(SCROLLERS).forEach(tabStop);
      }
    }, true);
  }

  // "On this page": the entry of the section being read (the innermost one that
  // crosses the top 40 % of the screen) is marked, and so are the entries above it.
  function pageContents() {
    var nav = document.getElementById("pst-page-toc-nav");
    if (!nav) {
      return;
    }
    var entries = [];
    nav.querySelectorAll("a.nav-link[href^='#']").forEach(function (link) {
      var section = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (section) {
        var outer = holder(section.parentElement);
        entries.push({link: link, section: section, outer: outer || section});
      }
    });
    var read = new Set();  // the watched sections crossing the band
    function reading(entry) {
      if (entry.outer === entry.section) {
        return read.has(entry.section);
      }
      if (!read.has(entry.outer)) {
        return false;  // not laid out, perhaps: not measured
      }
      var box = entry.section.getBoundingClientRect();
      return box.top < 0.4 * window.innerHeight && box.bottom > 0;
    }
    var current = null;
    function mark() {
      var found = null;
      entries.forEach(function (entry) {
        if (reading(entry)) {
          found = entry;  // the last in reading order: the innermost
        }
      });
      if (found === current) {
        return;
      }
      current = found;
      nav.querySelectorAll(".active").forEach(function (el) {
        el.classList.remove("active");
      });
      nav.querySelectorAll("[aria-current]").forEach(function (el) {
        el.removeAttribute("aria-current");
      });
      if (current === null) {
        return;
      }
      current.link.setAttribute("aria-current", "location");
      for (var el = current.link; el && el !== nav; el = el.parentElement) {
        if (el.tagName === "LI") {
          el.classList.add("active");
          var link = el.querySelector(":scope > a.nav-link");
          if (link) {
            link.classList.add("active");
          }
        }
      }
    }
    var band = new IntersectionObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.isIntersecting) {
          read.add(change.target);
        } else {
          read.delete(change.target);
        }
      });
      mark();
    }, {rootMargin: "0px 0px -60% 0px"});
    new Set(entries.map(function (entry) { return entry.outer; }))
      .forEach(function (section) { band.observe(section); });
    // within a section being read, its subsections are measured as the page scrolls
    var queued = false;
    window.addEventListener("scroll", function () {
      if (!queued) {
        queued = true;
        requestAnimationFrame(function () { queued = false; mark(); });
      }
    }, {passive: true});
  }

  function setup() {
    tabStops();
    pageContents();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
