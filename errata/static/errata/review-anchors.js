/* The review page's anchors beyond a single moment: range comments (mark the start and end
   with I / O, or drag on the timeline bar) and drawing on the paused frame (arrow, box,
   freehand; a few colours; undo; clear). Kept apart from review.js: it uses only the player
   that file exposes (window.errataPlayer) and the comment box's fields. The drawing is sent as
   JSON in frame coordinates (0-1 of the picture), which the server checks and stores. */
(function () {
  "use strict";

  var tools = document.getElementById("anchor-tools");
  var configElement = document.getElementById("review-config");
  if (!tools || !configElement) return;
  var config = JSON.parse(configElement.textContent);
  var duration = config.duration || 0;
  var MAX_POINTS = 400; // per freehand stroke; the server refuses more
  var MAX_SHAPES = 20;
  var COLOURS = { red: "#ff3b30", yellow: "#ffd60a", cyan: "#32d3ff", white: "#ffffff" };

  function msg(name, values) {
    var text = tools.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("%(" + key + ")s", values[key]);
    });
    return text;
  }

  function player() { return window.errataPlayer; }

  function formatTime(seconds) {
    var total = Math.max(0, Math.round(seconds));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function announce(text) {
    var announcer = document.getElementById("announcer");
    if (!announcer || !text) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function typingIn(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function field(id) { return document.getElementById(id); }

  /* --- Range comments ------------------------------------------------------------------- */

  var range = { start: null };

  function timelineRange(start, end) {
    var bar = document.querySelector(".timeline-bar");
    if (!bar || !(duration > 0)) return;
    var rect = bar.querySelector(".range-mark");
    if (start === null) {
      if (rect) rect.remove();
      return;
    }
    if (!rect) {
      rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("class", "range-mark");
      rect.setAttribute("y", "0");
      rect.setAttribute("height", "32");
      bar.insertBefore(rect, bar.querySelector(".playhead"));
    }
    var x1 = (Math.min(start, end) / duration) * 1000;
    var x2 = (Math.max(start, end) / duration) * 1000;
    rect.setAttribute("x", x1.toFixed(1));
    rect.setAttribute("width", Math.max(2, x2 - x1).toFixed(1));
  }

  function showRangeRow() {
    var end = field("comment-end-time");
    var row = field("range-row");
    var label = field("range-label");
    if (!end || !row) return;
    var endS = parseFloat(end.value);
    var startS = parseFloat(field("player-time") ? field("player-time").value : "");
    row.hidden = !end.value;
    if (label && end.value && !isNaN(endS)) {
      label.textContent = isNaN(startS)
        ? formatTime(endS)
        : msg("range", { start: formatTime(startS), end: formatTime(endS) });
    }
  }

  // Opens the comment box (review.js pauses the player and sets the chip), then places the
  // comment at the range's start and sends its end.
  function commentOnRange(start, end) {
    var opener = field("comment-open");
    if (!opener) return;
    var form = field("comment-form");
    if (!form || form.hidden) opener.click();
    var chip = field("comment-time");
    if (chip) chip.value = formatTime(start);
    if (field("time-source")) field("time-source").value = "player";
    if (field("player-time")) field("player-time").value = start.toFixed(3);
    if (field("comment-end-time")) field("comment-end-time").value = end.toFixed(3);
    timelineRange(start, end);
    showRangeRow();
    announce(msg("range", { start: formatTime(start), end: formatTime(end) }));
  }

  function markIn() {
    var t = player() ? player().time() : null;
    if (t === null) return;
    range.start = t;
    timelineRange(t, t);
    var pending = field("range-pending");
    var text = msg("in", { time: formatTime(t) });
    if (pending) pending.textContent = text;
  }

  function markOut() {
    var t = player() ? player().time() : null;
    var pending = field("range-pending");
    if (t === null) return;
    if (range.start === null) {
      if (pending) pending.textContent = msg("no-in");
      return;
    }
    if (t <= range.start) {
      if (pending) pending.textContent = msg("order");
      return;
    }
    var start = range.start;
    range.start = null;
    if (pending) pending.textContent = "";
    player().pause();
    commentOnRange(start, t);
  }

  function clearRange() {
    range.start = null;
    if (field("comment-end-time")) field("comment-end-time").value = "";
    showRangeRow();
    timelineRange(null);
  }

  // Dragging across the timeline bar marks a range; a plain click still seeks (review.js).
  var drag = null;
  function barTime(bar, clientX) {
    var box = bar.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientX - box.left) / box.width)) * duration;
  }
  document.addEventListener("pointerdown", function (event) {
    var bar = event.target.closest && event.target.closest(".timeline-bar");
    if (!bar || !config.canComment || !(duration > 0) || event.button !== 0) return;
    drag = { bar: bar, x: event.clientX, start: barTime(bar, event.clientX), moved: false };
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    if (Math.abs(event.clientX - drag.x) > 6) drag.moved = true;
    if (drag.moved) timelineRange(drag.start, barTime(drag.bar, event.clientX));
  });
  document.addEventListener("pointerup", function (event) {
    if (!drag) return;
    var done = drag;
    drag = null;
    if (!done.moved) return;
    var end = barTime(done.bar, event.clientX);
    var start = Math.min(done.start, end);
    end = Math.max(done.start, end);
    // The click that follows this drag is not a seek to where it ended.
    window.addEventListener("click", function (e) { e.stopPropagation(); }, { capture: true, once: true });
    if (end - start < 0.1) return;
    player().seek(start);
    player().pause();
    commentOnRange(start, end);
  });

  /* --- Drawing on the frame ------------------------------------------------------------- */

  var drawing = { on: false, shapes: [], current: null, t: null, aspect: 16 / 9 };
  var canvas = null;

  function frameElement() {
    var frame = document.querySelector(".player-frame");
    return frame ? frame.querySelector("video, iframe, .player") || frame : null;
  }

  // The picture inside the player box (a video is letterboxed to fit it).
  function pictureRect() {
    var frame = document.querySelector(".player-frame");
    var element = frameElement();
    var outer = frame.getBoundingClientRect();
    var box = element.getBoundingClientRect();
    var left = box.left - outer.left, top = box.top - outer.top, width = box.width, height = box.height;
    if (element.tagName === "VIDEO" && element.videoWidth && element.videoHeight) {
      var scale = Math.min(width / element.videoWidth, height / element.videoHeight);
      var w = element.videoWidth * scale, h = element.videoHeight * scale;
      left += (width - w) / 2;
      top += (height - h) / 2;
      width = w;
      height = h;
    }
    return { left: left, top: top, width: width, height: height };
  }

  function ensureCanvas() {
    if (canvas) return canvas;
    var frame = document.querySelector(".player-frame");
    if (!frame) return null;
    canvas = document.createElement("canvas");
    canvas.id = "draw-canvas";
    canvas.className = "draw-canvas";
    canvas.hidden = true;
    frame.appendChild(canvas);
    canvas.addEventListener("pointerdown", startStroke);
    canvas.addEventListener("pointermove", moveStroke);
    canvas.addEventListener("pointerup", endStroke);
    canvas.addEventListener("pointercancel", endStroke);
    window.addEventListener("resize", function () { if (!canvas.hidden) placeCanvas(); });
    return canvas;
  }

  function placeCanvas() {
    var rect = pictureRect();
    var ratio = window.devicePixelRatio || 1;
    canvas.style.left = rect.left + "px";
    canvas.style.top = rect.top + "px";
    canvas.style.width = rect.width + "px";
    canvas.style.height = rect.height + "px";
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    drawing.aspect = rect.width / rect.height;
    redraw();
  }

  function point(event) {
    var box = canvas.getBoundingClientRect();
    var x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    var y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    return [Math.round(x * 10000) / 10000, Math.round(y * 10000) / 10000];
  }

  function checked(name) {
    var input = document.querySelector("input[name='" + name + "']:checked");
    return input ? input.value : null;
  }

  function startStroke(event) {
    if (!drawing.on || drawing.shapes.length >= MAX_SHAPES) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    var p = point(event);
    drawing.current = { kind: checked("draw-kind") || "arrow", color: checked("draw-color") || "red", points: [p, p] };
  }

  function moveStroke(event) {
    var shape = drawing.current;
    if (!shape) return;
    var p = point(event);
    if (shape.kind === "free") {
      var last = shape.points[shape.points.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) > 0.004 && shape.points.length < MAX_POINTS) {
        shape.points.push(p);
      }
    } else {
      shape.points[1] = p;
    }
    redraw();
  }

  function endStroke() {
    var shape = drawing.current;
    drawing.current = null;
    if (!shape) return;
    var a = shape.points[0], b = shape.points[shape.points.length - 1];
    // A click without a drag draws nothing.
    if (shape.points.length < 2 || (shape.kind !== "free" && Math.hypot(a[0] - b[0], a[1] - b[1]) < 0.01)) {
      redraw();
      return;
    }
    if (shape.kind === "free" && shape.points.length === 2 && a[0] === b[0] && a[1] === b[1]) {
      redraw();
      return;
    }
    drawing.shapes.push(shape);
    redraw();
    store();
  }

  function redraw() {
    if (!canvas) return;
    var ctx = canvas.getContext("2d");
    var w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.lineWidth = Math.max(2, w / 220);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    drawing.shapes.concat(drawing.current ? [drawing.current] : []).forEach(function (shape) {
      ctx.strokeStyle = COLOURS[shape.color] || COLOURS.red;
      var pts = shape.points.map(function (p) { return [p[0] * w, p[1] * h]; });
      ctx.beginPath();
      if (shape.kind === "box") {
        ctx.rect(pts[0][0], pts[0][1], pts[1][0] - pts[0][0], pts[1][1] - pts[0][1]);
      } else if (shape.kind === "arrow") {
        var angle = Math.atan2(pts[1][1] - pts[0][1], pts[1][0] - pts[0][0]);
        var head = Math.max(10, w / 36);
        ctx.moveTo(pts[0][0], pts[0][1]);
        ctx.lineTo(pts[1][0], pts[1][1]);
        ctx.moveTo(pts[1][0] - head * Math.cos(angle - 0.45), pts[1][1] - head * Math.sin(angle - 0.45));
        ctx.lineTo(pts[1][0], pts[1][1]);
        ctx.lineTo(pts[1][0] - head * Math.cos(angle + 0.45), pts[1][1] - head * Math.sin(angle + 0.45));
      } else {
        ctx.moveTo(pts[0][0], pts[0][1]);
        pts.slice(1).forEach(function (p) { ctx.lineTo(p[0], p[1]); });
      }
      ctx.stroke();
    });
  }

  // The drawing goes into the comment form as JSON, with the frame's time and shape.
  function store() {
    var input = field("comment-drawing");
    if (input) {
      input.value = drawing.shapes.length
        ? JSON.stringify({
            t: drawing.t === null ? null : Math.round(drawing.t * 1000) / 1000,
            aspect: Math.round(drawing.aspect * 10000) / 10000,
            shapes: drawing.shapes,
          })
        : "";
    }
    var row = field("drawing-row");
    if (row) row.hidden = !drawing.shapes.length;
    var label = field("drawing-label");
    if (label) label.textContent = msg("shapes", { count: drawing.shapes.length });
  }

  function openDrawing() {
    if (!ensureCanvas()) return;
    if (player()) {
      player().pause();
      if (drawing.t === null || !drawing.shapes.length) drawing.t = player().time();
    }
    drawing.on = true;
    canvas.hidden = false;
    canvas.classList.add("drawing-on");
    placeCanvas();
    field("draw-toolbar").hidden = false;
    field("draw-open").setAttribute("aria-pressed", "true");
    announce(msg("drawing"));
    var first = document.querySelector("input[name='draw-kind']:checked");
    if (first) first.focus();
  }

  function closeDrawing() {
    drawing.on = false;
    if (canvas) {
      canvas.classList.remove("drawing-on");
      canvas.hidden = !drawing.shapes.length;
    }
    field("draw-toolbar").hidden = true;
    field("draw-open").setAttribute("aria-pressed", "false");
  }

  function clearDrawing() {
    drawing.shapes = [];
    drawing.current = null;
    drawing.t = null;
    redraw();
    store();
  }

  function drawingDone() {
    closeDrawing();
    store();
    if (!drawing.shapes.length) return;
    var form = field("comment-form");
    if (form && form.hidden && field("comment-open")) field("comment-open").click();
  }

  // A drawing belongs to its frame: it is hidden while the video plays on.
  var video = document.querySelector(".player-frame video");
  if (video) {
    video.addEventListener("play", function () {
      if (drawing.on) closeDrawing();
      if (canvas) canvas.hidden = true;
    });
  }

  /* --- Wiring ------------------------------------------------------------------------- */

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typingIn(event.target) || !config.canComment) return;
    var key = event.key.toLowerCase();
    if (key === "i") { event.preventDefault(); markIn(); }
    else if (key === "o") { event.preventDefault(); markOut(); }
    else if (key === "escape" && drawing.on) { event.preventDefault(); closeDrawing(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    if (!target) return;
    if (target.closest("#mark-in")) markIn();
    else if (target.closest("#mark-out")) markOut();
    else if (target.closest("#range-clear")) clearRange();
    else if (target.closest("#draw-open")) { if (drawing.on) closeDrawing(); else openDrawing(); }
    else if (target.closest("#draw-undo")) { drawing.shapes.pop(); redraw(); store(); }
    else if (target.closest("#draw-clear")) clearDrawing();
    else if (target.closest("#draw-done")) drawingDone();
    else if (target.closest("#drawing-edit")) openDrawing();
    else if (target.closest("#drawing-remove")) { clearDrawing(); closeDrawing(); }
  });

  // After the comment box is swapped: a posted comment takes its range and drawing with it;
  // a refused one keeps them (the form sends them back).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "comment-box") return;
    var input = field("comment-drawing");
    if (input && !input.value) {
      drawing.shapes = [];
      drawing.t = null;
      if (canvas) { redraw(); canvas.hidden = true; }
    } else {
      store();
    }
    var end = field("comment-end-time");
    if (end && !end.value) timelineRange(null);
    showRangeRow();
  });

  showRangeRow();
})();
