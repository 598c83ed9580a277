/* The patron review page: the player (HTML5 video, YouTube or Vimeo behind one small interface),
   the comment key, the time chip, seek links, the timeline bar and the list that follows the
   playhead. No build step; htmx does the requests, this file only wires the page together. */
(function () {
  "use strict";

  var configElement = document.getElementById("review-config");
  if (!configElement) return;
  var config = JSON.parse(configElement.textContent);
  // Words in the page's language (the view translates them); English when a key is missing.
  var messages = config.messages || {};
  function message(key, fallback) { return messages[key] || fallback; }
  var COMMENT_KEY = "c";

  // A touch screen without a pointer that hovers has no keys to hint at: review.css hides the
  // hints by media query already; the class covers browsers that answer it wrongly.
  var touchQuery = window.matchMedia ? window.matchMedia("(hover: none), (pointer: coarse)") : null;
  function markTouch() {
    var touch = touchQuery ? touchQuery.matches : false;
    document.documentElement.classList.toggle("touch", touch);
  }
  markTouch();
  if (touchQuery && touchQuery.addEventListener) touchQuery.addEventListener("change", markTouch);
  // A phone-sized layout: the player is pinned, the comment box opens below it.
  var narrowQuery = window.matchMedia ? window.matchMedia("(max-width: 900px)") : null;
  // The list may be fetched again around the playhead at most this often.
  var REFETCH_MS = 1500;
  // After the viewer scrolls or works in the list, it stops following for a while.
  var USER_IDLE_MS = 4000;

  function formatTime(seconds) {
    var total = Math.max(0, Math.round(seconds));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  /* --- Players: time(), seek(t), pause(), onTick(callback) --------------------------------- */
  // time() is null when there is no working player: a comment then has no time unless the
  // patron types one (never a silent 0:00).

  // A player that has not become ready after this long is taken as failed to load.
  var PLAYER_READY_MS = 15000;

  function html5Player(video) {
    var broken = false;
    video.addEventListener("error", function () { broken = true; playerFailed(); });
    return {
      time: function () { return broken ? null : (video.currentTime || 0); },
      seek: function (t) { if (!broken) video.currentTime = t; },
      pause: function () { video.pause(); },
      onTick: function (callback) {
        ["timeupdate", "seeked", "loadedmetadata"].forEach(function (name) {
          video.addEventListener(name, function () { callback(video.currentTime || 0); });
        });
      },
    };
  }

  function youtubePlayer(element, videoId) {
    var player = null;
    var callbacks = [];
    var ready = false;
    var previous = window.onYouTubeIframeAPIReady;
    window.onYouTubeIframeAPIReady = function () {
      if (previous) previous();
      player = new window.YT.Player(element, {
        videoId: videoId,
        width: "100%",
        height: "100%",
        host: "https://www.youtube-nocookie.com",
        playerVars: { rel: 0, playsinline: 1, modestbranding: 1 },
        events: {
          onReady: function () { ready = true; },
          onError: function () { ready = false; playerFailed(); },
        },
      });
      // The IFrame API has no time event: poll while the page is open.
      window.setInterval(function () {
        if (!ready) return;
        var t = player.getCurrentTime();
        callbacks.forEach(function (callback) { callback(t); });
      }, 250);
    };
    loadScript("https://www.youtube.com/iframe_api").catch(playerFailed);
    window.setTimeout(function () { if (!ready) playerFailed(); }, PLAYER_READY_MS);
    return {
      time: function () { return ready ? player.getCurrentTime() : null; },
      seek: function (t) { if (ready) player.seekTo(t, true); },
      pause: function () { if (ready) player.pauseVideo(); },
      onTick: function (callback) { callbacks.push(callback); },
    };
  }

  function vimeoPlayer(element, url) {
    var player = null;
    var last = 0;
    var ready = false;
    var callbacks = [];
    loadScript("https://player.vimeo.com/api/player.js").then(function () {
      element.textContent = "";
      player = new window.Vimeo.Player(element, { url: url });
      player.on("timeupdate", function (data) {
        ready = true;
        last = data.seconds;
        callbacks.forEach(function (callback) { callback(last); });
      });
      player.on("seeked", function (data) {
        last = data.seconds;
        callbacks.forEach(function (callback) { callback(last); });
      });
      player.ready().then(function () { ready = true; }, playerFailed);
    }, playerFailed);
    window.setTimeout(function () { if (!ready) playerFailed(); }, PLAYER_READY_MS);
    return {
      time: function () { return ready ? last : null; },
      seek: function (t) { if (player) player.setCurrentTime(t); },
      pause: function () { if (player) player.pause(); },
      onTick: function (callback) { callbacks.push(callback); },
    };
  }

  var noPlayer = {
    time: function () { return null; },
    seek: function () {},
    pause: function () {},
    onTick: function () {},
  };

  function makePlayer() {
    var video = document.getElementById("player-video");
    if (video) return html5Player(video);
    var embed = document.getElementById("player-embed");
    if (embed && config.kind === "youtube") return youtubePlayer(embed, config.videoId);
    if (embed && config.kind === "vimeo") return vimeoPlayer(embed, config.src);
    return noPlayer;
  }

  var failed = false;

  // The player could not load (no network, a blocked frame, a file the browser cannot play):
  // say so, offer the link, and from now on comments carry no time unless one is typed.
  function playerFailed() {
    if (failed) return;
    failed = true;
    player = noPlayer;
    window.errataPlayer = player;
    var notice = document.getElementById("player-failed");
    if (notice) notice.hidden = false;
    var label = document.getElementById("now-label");
    if (label) label.hidden = true;
    var embed = document.getElementById("player-embed");
    if (embed) embed.textContent = "";
    announce(message("videoFailed", "The video did not load. Comments have no time unless you type one."));
  }

  var player = makePlayer();
  window.errataPlayer = player; // for the browser tests and the curious

  /* --- Announcements for screen readers ---------------------------------------------------- */

  function announce(message) {
    var announcer = document.getElementById("announcer");
    if (!announcer || !message) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  /* --- The comment box ------------------------------------------------------------------- */

  function form() { return document.getElementById("comment-form"); }

  function setChip(seconds, source) {
    var chip = document.getElementById("comment-time");
    var sourceField = document.getElementById("time-source");
    var note = document.getElementById("time-note");
    if (!chip) return;
    chip.value = seconds === null ? "" : formatTime(seconds);
    if (sourceField) sourceField.value = source;
    if (note) note.textContent = "";
  }

  function openBox(options) {
    var box = form();
    if (!box) return;
    options = options || {};
    player.pause();
    var now = player.time();
    box.hidden = false;
    var parent = document.getElementById("comment-parent");
    var replying = document.getElementById("replying-to");
    var title = box.querySelector(".form-title");
    var timeRow = document.getElementById("time-row");
    if (options.replyTo) {
      parent.value = options.replyTo;
      document.getElementById("replying-to-name").textContent = options.replyName || "";
      replying.hidden = false;
      if (title) title.textContent = message("reply", "Reply");
      if (timeRow) timeRow.hidden = true;
      setChip(null, "");
    } else {
      parent.value = "";
      replying.hidden = true;
      if (title) title.textContent = message("newComment", "New comment");
      if (timeRow) timeRow.hidden = false;
      var source = document.getElementById("time-source");
      // A time the patron typed or set by hand stays; otherwise it is where the player is now.
      if (!source || (source.value !== "manual" && source.value !== "text")) {
        setChip(now, now === null ? "" : "player");
      }
      document.getElementById("player-time").value = now === null ? "" : now.toFixed(3);
    }
    var name = document.getElementById("comment-name");
    var text = document.getElementById("comment-text");
    (name && !name.value ? name : text).focus({ preventScroll: true });
    bringIntoView(box);
  }

  // The box in view with the player: beside it on a wide screen (the column is sticky), right
  // below the pinned player on a phone. After layout, so the measures are the open box's.
  function bringIntoView(box) {
    window.requestAnimationFrame(function () {
      if (!(narrowQuery && narrowQuery.matches)) {
        box.scrollIntoView({ block: "nearest" });
        return;
      }
      var frame = document.querySelector(".player-frame");
      var pinned = frame ? frame.getBoundingClientRect().height : 0;
      var top = box.getBoundingClientRect().top + window.scrollY - pinned - 8;
      window.scrollTo({ top: Math.max(0, top), behavior: "instant" });
    });
  }

  function closeBox() {
    var box = form();
    if (!box) return;
    box.hidden = true;
    var opener = document.getElementById("comment-open");
    if (opener) opener.focus();
  }

  function typingIn(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // The timeline's markers are buttons for the keyboard too: Enter or Space seeks, as a click.
  document.addEventListener("keydown", function (event) {
    var marker = event.target.closest && event.target.closest(".timeline-bar [data-seek]");
    if (marker && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      marker.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.id === "comment-text") {
        event.preventDefault();
        form().requestSubmit();
      }
      return;
    }
    if (event.key === "Escape" && form() && !form().hidden && form().contains(event.target)) {
      event.preventDefault();
      closeBox();
      return;
    }
    if (event.key.toLowerCase() === COMMENT_KEY && !typingIn(event.target) && config.canComment) {
      event.preventDefault();
      openBox();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    if (!target) return;
    if (target.closest("#comment-open")) { openBox(); return; }
    if (target.closest("#comment-cancel")) { closeBox(); return; }
    if (target.closest("#time-clear")) {
      setChip(null, "manual");
      document.getElementById("comment-time").focus();
      return;
    }
    if (target.closest("#reply-cancel")) { openBox(); return; }
    var reply = target.closest("[data-reply-to]");
    if (reply) {
      openBox({ replyTo: reply.getAttribute("data-reply-to"), replyName: reply.getAttribute("data-reply-name") });
      return;
    }
    var seek = target.closest("[data-seek]");
    if (seek) {
      event.preventDefault();
      var t = parseFloat(seek.getAttribute("data-seek"));
      if (!isNaN(t)) {
        player.seek(t);
        following.lastUserAction = 0;
        announce(message("playingFrom", "Playing from %(time)s").replace("%(time)s", formatTime(t)));
      }
      return;
    }
    var bar = target.closest(".timeline-bar");
    if (bar) {
      var box = bar.getBoundingClientRect();
      var fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      player.seek(fraction * config.duration);
    }
  });

  // Editing the chip by hand makes it the comment's time, whatever the text says.
  document.addEventListener("input", function (event) {
    if (event.target.id === "comment-time") {
      document.getElementById("time-source").value = "manual";
      var note = document.getElementById("time-note");
      if (note) note.textContent = "";
    }
  });

  /* --- Following the playhead ------------------------------------------------------------- */

  var following = { lastFetch: 0, lastUserAction: 0, current: null, fetching: false };

  function list() { return document.getElementById("comment-list"); }

  ["wheel", "touchmove", "focusin", "keydown"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var container = list();
      if (container && container.contains(event.target)) following.lastUserAction = Date.now();
    }, { passive: true });
  });

  function updatePlayhead(t) {
    var playhead = document.getElementById("playhead");
    if (playhead && config.duration > 0) {
      playhead.setAttribute("x", String(Math.min(997, (t / config.duration) * 1000)));
    }
    var now = document.getElementById("now");
    if (now) now.textContent = formatTime(t);
  }

  function scrollListTo(item) {
    var container = list();
    if (!container || !item) return;
    // On a phone the list scrolls with the page: following the playhead leaves the page alone.
    if (container.scrollHeight <= container.clientHeight) return;
    var top = item.offsetTop - container.offsetTop;
    if (top < container.scrollTop || top + item.offsetHeight > container.scrollTop + container.clientHeight) {
      container.scrollTop = Math.max(0, top - 24);
    }
  }

  function follow(t) {
    if (t === null) return;
    var container = list();
    var toggle = document.getElementById("follow");
    if (!container || (toggle && !toggle.checked)) return;
    if (Date.now() - following.lastUserAction < USER_IDLE_MS) return;
    var items = container.querySelectorAll("li.comment[data-t]");
    var current = null;
    for (var i = 0; i < items.length; i++) {
      if (parseFloat(items[i].getAttribute("data-t")) <= t + 0.5) current = items[i];
      else break;
    }
    var first = items.length ? parseFloat(items[0].getAttribute("data-t")) : null;
    var last = items.length ? parseFloat(items[items.length - 1].getAttribute("data-t")) : null;
    var outside =
      (container.querySelector(".more-earlier") && first !== null && t < first) ||
      (container.querySelector(".more-later") && last !== null && t > last);
    if (outside) {
      // Load the window around the playhead; the highlight follows once it is in (afterSettle).
      if (!following.fetching && Date.now() - following.lastFetch > REFETCH_MS && window.htmx) {
        following.fetching = true;
        following.lastFetch = Date.now();
        window.htmx
          .ajax("GET", config.commentsUrl + "?around=" + t.toFixed(3), {
            target: "#comment-list",
            swap: "outerHTML",
          })
          .catch(function () { following.fetching = false; });
      }
      return;
    }
    if (current !== following.current) {
      if (following.current) {
        following.current.classList.remove("is-current");
        following.current.removeAttribute("aria-current");
      }
      if (current) {
        current.classList.add("is-current");
        current.setAttribute("aria-current", "time");
        scrollListTo(current);
      }
      following.current = current;
    }
  }

  player.onTick(function (t) {
    updatePlayhead(t);
    follow(t);
  });

  /* --- Thumbnails while scrubbing: the WebVTT index of the sprite ------------------------- */

  function vttSeconds(text) {
    var parts = text.trim().split(":").map(parseFloat);
    return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
  }

  function loadThumbnails(url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (text) {
        var cues = [];
        text.split(/\n\n+/).forEach(function (block) {
          var lines = block.trim().split("\n");
          if (lines.length < 2 || lines[0].indexOf("-->") < 0) return;
          var times = lines[0].split("-->");
          var target = lines[1].trim();
          var hash = target.match(/#xywh=(\d+),(\d+),(\d+),(\d+)$/);
          if (!hash) return;
          cues.push({
            start: vttSeconds(times[0]),
            end: vttSeconds(times[1]),
            src: new URL(target.split("#")[0], new URL(url, window.location.href)).href,
            x: +hash[1], y: +hash[2], w: +hash[3], h: +hash[4],
          });
        });
        return cues;
      });
  }

  var bar = document.querySelector(".timeline-bar");
  if (bar && config.thumbnails) {
    loadThumbnails(config.thumbnails).then(function (cues) {
      if (!cues.length) return;
      var preview = document.createElement("div");
      preview.className = "scrub-preview";
      preview.hidden = true;
      preview.setAttribute("aria-hidden", "true");
      bar.parentNode.style.position = "relative";
      bar.parentNode.appendChild(preview);
      bar.addEventListener("mousemove", function (event) {
        var box = bar.getBoundingClientRect();
        var t = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)) * config.duration;
        var cue = cues.find(function (c) { return t >= c.start && t < c.end; }) || cues[cues.length - 1];
        preview.style.width = cue.w + "px";
        preview.style.height = cue.h + "px";
        preview.style.backgroundImage = "url(\"" + cue.src + "\")";
        preview.style.backgroundPosition = "-" + cue.x + "px -" + cue.y + "px";
        preview.style.left = Math.max(0, event.clientX - box.left - cue.w / 2) + "px";
        preview.dataset.time = formatTime(t);
        preview.hidden = false;
      });
      bar.addEventListener("mouseleave", function () { preview.hidden = true; });
    });
  }

  /* --- After htmx swaps -------------------------------------------------------------------- */

  document.addEventListener("htmx:afterSettle", function (event) {
    following.current = null;
    if (event.target && event.target.id === "comment-list") {
      following.fetching = false;
      follow(player.time());
    }
    var posted = document.querySelector("#comment-list .just-posted");
    if (posted && event.target && (event.target.id === "comment-box" || event.target.id === "comment-list")) {
      following.lastUserAction = 0;
      scrollListTo(posted);
    }
    var status = document.querySelector("#comment-box [data-announce]");
    if (status && event.target && event.target.id === "comment-box") {
      announce(status.textContent);
      var opener = document.getElementById("comment-open");
      var box = form();
      if (opener && box && box.hidden) opener.focus();
    }
    var invalid = event.target && event.target.querySelector && event.target.querySelector("[aria-invalid='true']");
    if (invalid && event.target.id === "comment-box") invalid.focus();
  });

  // A me-too needs a name first: open the box at the name field, and keep the me-too waiting
  // until the name is given (a button in the box, Enter in the name field, or the guest's
  // first comment sends it), rather than dropping it.
  var pendingMetoo = null;

  function showPendingMetoo() {
    var old = document.getElementById("metoo-pending");
    if (old) old.remove();
    var identity = document.querySelector("#comment-form fieldset.identity");
    if (!pendingMetoo || !identity) return;
    var note = document.createElement("p");
    note.id = "metoo-pending";
    note.className = "metoo-pending";
    note.setAttribute("role", "status");
    note.textContent = message("metooWaiting", "Your “me too” waits for your name.") + " ";
    var send = document.createElement("button");
    send.type = "button";
    send.className = "primary";
    send.id = "metoo-pending-send";
    send.textContent = message("metooSend", "Add my me too");
    note.appendChild(send);
    identity.appendChild(note);
  }

  function sendPendingMetoo() {
    if (!pendingMetoo) return false;
    var button = document.querySelector("[data-metoo='" + pendingMetoo + "']");
    pendingMetoo = null;
    var note = document.getElementById("metoo-pending");
    if (note) note.remove();
    if (!button) return false;
    button.click();
    return true;
  }

  document.body.addEventListener("review:needs-name", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-metoo]") : null;
    if (button) pendingMetoo = button.getAttribute("data-metoo");
    openBox();
    showPendingMetoo();
    var name = document.getElementById("comment-name");
    if (name) name.focus();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#metoo-pending-send")) {
      var name = document.getElementById("comment-name");
      if (name && !name.value.trim()) { name.focus(); return; }
      sendPendingMetoo();
    }
  });

  // Enter in the name field with no comment written: the waiting me-too is what they meant.
  document.addEventListener("htmx:confirm", function (event) {
    if (!pendingMetoo || event.detail.elt !== form()) return;
    var text = document.getElementById("comment-text");
    var name = document.getElementById("comment-name");
    if (text && !text.value.trim() && name && name.value.trim()) {
      event.preventDefault();
      sendPendingMetoo();
    }
  });

  // A comment posted: a me-too still waiting goes now (the browser remembers the guest).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (pendingMetoo && event.target && event.target.id === "comment-box" &&
        document.querySelector("#comment-box [data-announce]")) {
      sendPendingMetoo();
    }
  });

  // Edit and Delete on one's own comment go when its edit window closes (the server refuses
  // after it anyway).
  function dropExpiredEdits() {
    var now = Date.now();
    document.querySelectorAll(".own-actions[data-editable-until]").forEach(function (actions) {
      var until = Date.parse(actions.getAttribute("data-editable-until"));
      if (!isNaN(until) && until <= now) actions.remove();
    });
  }
  dropExpiredEdits();
  window.setInterval(dropExpiredEdits, 15000);
  document.addEventListener("htmx:afterSettle", function (event) {
    dropExpiredEdits();
    // The editor just opened (or came back with an error): the cursor goes into its text.
    var editor = event.target && event.target.matches && event.target.matches("form.comment-edit")
      ? event.target.querySelector("textarea") : null;
    if (editor) editor.focus();
  });

  // A deep link (#t=6:03 or #t=363) starts there.
  var hash = window.location.hash.match(/^#t=([\d.:]+)$/);
  if (hash) {
    var parts = hash[1].split(":").map(parseFloat);
    var seconds = parts.reduce(function (total, part) { return total * 60 + part; }, 0);
    if (!isNaN(seconds)) player.seek(seconds);
  }
})();
