// Moodtune's page: a photo (or the webcam, or live frames) to the gateway; the faces, the mood, the
// reasons and the songs back. Photos and frames stay in this page: sent once per request, never stored.
"use strict";

const $ = (id) => document.getElementById(id);
const LIMIT = 10;
const LIVE_INTERVAL_MS = 2500; // one frame every 2.5 s: a mood changes over seconds, not frames
const LIVE_SMOOTHING = 0.4; // EMA weight of the newest frame: a mood needs ~3 frames to take over

const state = {
  photo: null, // the Blob last chosen or taken
  choice: { face_number: 1 }, // whose mood counts: { face_number: n } or { group: true }
  page: 1,
  seed: null, // null: the mood's own list; a number: a fresh list for the same mood ("Different songs")
  tracks: [], // the songs shown, in order (for "Save as a Spotify playlist")
  config: { spotify_client_id: null, spotify_accounts_url: null },
};

// ---- messages ------------------------------------------------------------------------------------

function showError(message) {
  // The old result would read as the answer to this request: take it away.
  $("results").hidden = true;
  $("status").textContent = "";
  $("error").textContent = message;
  $("error").hidden = false;
  $("error").focus();
}

function clearMessages() {
  $("error").hidden = true;
  $("error").textContent = "";
}

async function errorMessage(response) {
  const payload = await response.json().catch(() => null);
  return payload && payload.error ? payload.error.message : `Something went wrong (HTTP ${response.status}).`;
}

// ---- the photo and its faces ---------------------------------------------------------------------

function drawPreview(blob, faces, chosen) {
  const img = new Image();
  img.onload = () => {
    const canvas = $("preview");
    const scale = Math.min(1, 640 / img.naturalWidth);
    canvas.width = img.naturalWidth * scale;
    canvas.height = img.naturalHeight * scale;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    for (const face of faces || []) {
      if (!face.detected) continue;
      const counts = chosen === "group" || chosen === face.number;
      ctx.strokeStyle = counts ? "#0d6e30" : "#ffffff";
      ctx.lineWidth = counts ? 4 : 2;
      const { x, y, width, height } = face.box;
      ctx.strokeRect(x * scale, y * scale, width * scale, height * scale);
      if (faces.length > 1) {
        ctx.fillStyle = counts ? "#0d6e30" : "#1d1d1f";
        ctx.fillRect(x * scale, y * scale - 22, 22, 22);
        ctx.fillStyle = "#ffffff";
        ctx.font = "bold 16px system-ui, sans-serif";
        ctx.fillText(String(face.number), x * scale + 6, y * scale - 5);
      }
    }
    URL.revokeObjectURL(img.src);
  };
  img.src = URL.createObjectURL(blob);
}

function renderFaces(result) {
  const box = $("faces");
  if (result.faces_found < 2) {
    box.hidden = true;
    return;
  }
  $("faces-title").textContent = `We found ${result.faces_found} faces. Whose mood counts?`;
  const choices = $("face-choices");
  choices.replaceChildren();
  const option = (value, text, checked) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "face-choice";
    input.value = value;
    input.checked = checked;
    input.addEventListener("change", () => {
      state.choice = value === "group" ? { group: true } : { face_number: Number(value) };
      recommend();
    });
    label.append(input, ` ${text}`);
    choices.append(label);
  };
  for (const face of result.faces) {
    const size = face.number === 1 ? " (the largest)" : "";
    option(String(face.number), `Face ${face.number}${size}: ${face.emotion}, ${Math.round(face.confidence * 100)}%`,
      result.mood_of === "face" && result.face_number === face.number);
  }
  option("group", "Everyone together (bigger faces count more)", result.mood_of === "group");
  box.hidden = false;
}

// ---- the mood and the songs ----------------------------------------------------------------------

function renderMood(songs, subject) {
  $("subject").textContent = subject;
  $("emotion").textContent = songs.mood;
  $("confidence").textContent = `(${Math.round(songs.confidence * 100)}% sure)`;
  const bars = $("probabilities");
  bars.replaceChildren();
  for (const [emotion, p] of Object.entries(songs.probabilities).sort((a, b) => b[1] - a[1])) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = emotion;
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.max(1, p * 100)}%`;
    const value = document.createElement("span");
    value.textContent = `${(p * 100).toFixed(1)}%`;
    li.append(name, bar, value);
    bars.append(li);
  }
  $("why").textContent = songs.why;
  $("explanation").textContent = songs.explanation.summary;
  const rows = $("clusters").querySelector("tbody");
  rows.replaceChildren();
  for (const c of songs.explanation.clusters) {
    const tr = document.createElement("tr");
    for (const cell of [c.cluster, c.label, c.valence.toFixed(2), c.energy.toFixed(2), c.distance.toFixed(3), c.chosen ? "yes" : "no"]) {
      const td = document.createElement("td");
      td.textContent = String(cell);
      tr.append(td);
    }
    rows.append(tr);
  }
}

function trackItem(track) {
  const li = document.createElement("li");
  li.className = "track";
  const title = document.createElement("div");
  title.textContent = `${track.name} — ${track.artists.join(", ")}`;
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = `popularity ${track.popularity} · ${track.genres.join(", ")} · `;
  // The embed needs Spotify's servers; the link works everywhere (app or web player).
  const link = document.createElement("a");
  link.href = track.spotify_url;
  link.textContent = "Open in Spotify";
  link.target = "_blank";
  link.rel = "noopener";
  link.setAttribute("aria-label", `Open ${track.name} in Spotify`);
  meta.append(link);
  const player = document.createElement("iframe");
  player.src = `https://open.spotify.com/embed/track/${encodeURIComponent(track.id)}`;
  player.title = `Play ${track.name} on Spotify`;
  player.loading = "lazy";
  player.allow = "encrypted-media";
  li.append(title, meta, player);
  return li;
}

function renderSongs(songs, append) {
  const list = $("tracks");
  if (!append) {
    list.replaceChildren();
    state.tracks = [];
  }
  for (const track of songs.tracks) {
    list.append(trackItem(track));
    state.tracks.push(track);
  }
  state.page = songs.page;
  $("more").hidden = !songs.has_more;
  $("fresh").hidden = false;
  $("save-result").textContent = "";
}

// A fresh list for the same mood: the recommender draws from the half of the catalog a seed picks,
// and answers the same seed with the same list (so "More songs" pages it).
function newSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff;
}

function filterParams() {
  const params = new URLSearchParams();
  const genre = $("genre").value;
  if (genre) params.append("genres", genre);
  return params;
}

function policy() {
  return document.querySelector("input[name=policy]:checked").value;
}

async function recommend({ page = 1, fresh = false } = {}) {
  clearMessages();
  stopLive();
  if (!state.photo) {
    showError("Choose a photo or take one with the webcam first.");
    return;
  }
  if (page === 1) state.seed = fresh ? newSeed() : null;
  const params = filterParams();
  params.set("policy", policy());
  params.set("limit", String(LIMIT));
  params.set("page", String(page));
  if (state.seed !== null) params.set("seed", String(state.seed));
  for (const [key, value] of Object.entries(state.choice)) params.set(key, String(value));
  const body = new FormData();
  body.append("image", state.photo, state.photo.name || "photo.jpg");
  $("submit").disabled = true;
  $("more").disabled = true;
  $("fresh").disabled = true;
  $("status").textContent = page > 1 ? "Finding more songs…" : fresh ? "Finding different songs…" : "Reading your face…";
  try {
    const response = await fetch(`/recommend?${params}`, { method: "POST", body });
    if (!response.ok) {
      showError(await errorMessage(response));
      return;
    }
    const result = await response.json();
    const subject = result.mood_of === "group" ? "Together you look" : "You look";
    renderMood(result, subject);
    renderFaces(result);
    renderSongs(result, page > 1);
    $("results").hidden = false;
    drawPreview(state.photo, result.faces, result.mood_of === "group" ? "group" : result.face_number);
    if (page > 1) {
      $("status").textContent = `${result.tracks.length} more songs added.`;
      $("tracks").children[(page - 1) * LIMIT]?.querySelector("a")?.focus();
    } else {
      $("status").textContent = `${subject} ${result.mood}. ${result.tracks.length} songs for you.`;
      $("results-title").focus();
    }
  } catch (err) {
    showError("Moodtune could not be reached. Check your connection and try again.");
  } finally {
    $("submit").disabled = false;
    $("more").disabled = false;
    $("fresh").disabled = false;
  }
}

function newPhoto(blob) {
  state.photo = blob;
  state.choice = { face_number: 1 };
  if (blob) drawPreview(blob, [], null);
}

// ---- the webcam: one photo, or live mode ---------------------------------------------------------

async function openCamera() {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } });
  const video = $("camera");
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  return video;
}

function closeCamera() {
  const video = $("camera");
  if (video.srcObject) for (const track of video.srcObject.getTracks()) track.stop();
  video.srcObject = null;
  video.hidden = true;
}

function frame(video, type = "image/jpeg") {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, type, 0.9));
}

const live = { timer: null, smoothed: null, shownFor: null, frames: 0, busy: false };

function stopLive() {
  if (live.timer === null) return;
  clearInterval(live.timer);
  live.timer = null;
  closeCamera();
  $("live-start").hidden = false;
  $("live-stop").hidden = true;
  $("live-status").textContent = `Live mode stopped after ${live.frames} frames.`;
}

function smooth(previous, latest) {
  if (!previous) return { ...latest };
  const next = {};
  for (const [emotion, p] of Object.entries(latest)) next[emotion] = LIVE_SMOOTHING * p + (1 - LIVE_SMOOTHING) * previous[emotion];
  return next;
}

function argmax(vector) {
  return Object.entries(vector).reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

async function liveTick(video) {
  if (live.busy) return; // a slow answer: skip this frame rather than queue them
  live.busy = true;
  try {
    const blob = await frame(video);
    const body = new FormData();
    body.append("image", blob, "frame.jpg");
    const response = await fetch("/moods", { method: "POST", body });
    live.frames += 1;
    if (!response.ok) {
      $("live-status").textContent = `Live: frame ${live.frames}: ${await errorMessage(response)}`;
      return;
    }
    const reading = await response.json();
    live.smoothed = smooth(live.smoothed, reading.faces[0].probabilities);
    const mood = argmax(live.smoothed);
    $("live-status").textContent = `Live: ${live.frames} frames read; mood smoothed over the last few.`;
    if (mood === live.shownFor) return; // songs change only when the smoothed mood does
    await liveSongs(mood);
  } catch (err) {
    $("live-status").textContent = "Live: Moodtune could not be reached; still trying.";
  } finally {
    live.busy = false;
  }
}

// Each list live mode shows is a fresh one (a new seed), so a mood that comes back brings new songs.
async function liveSongs(mood) {
  const total = Object.values(live.smoothed).reduce((a, b) => a + b, 0);
  const probabilities = Object.fromEntries(Object.entries(live.smoothed).map(([e, p]) => [e, p / total]));
  const songs = await fetch("/songs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ probabilities, policy: policy(), seed: newSeed(), limit: LIMIT, genres: filterParams().getAll("genres") }),
  });
  if (!songs.ok) {
    showError(await errorMessage(songs));
    return;
  }
  const result = await songs.json();
  live.shownFor = mood;
  renderMood(result, "You look");
  $("faces").hidden = true;
  renderSongs(result, false);
  $("more").hidden = true; // "more songs" pages a photo; live mode refreshes by itself
  $("results").hidden = false;
  $("status").textContent = `You look ${result.mood}. ${result.tracks.length} songs for you.`;
}

async function startLive() {
  clearMessages();
  try {
    const video = await openCamera();
    Object.assign(live, { smoothed: null, shownFor: null, frames: 0, busy: false });
    $("live-start").hidden = true;
    $("live-stop").hidden = false;
    $("camera-shoot").hidden = true;
    $("live-status").hidden = false;
    $("live-status").textContent = "Live: reading your face every few seconds (frames are not stored).";
    liveTick(video);
    live.timer = setInterval(() => liveTick(video), LIVE_INTERVAL_MS);
  } catch (err) {
    showError("The webcam is not available here; upload a photo instead.");
  }
}

// ---- saving a playlist to the user's Spotify account ---------------------------------------------

async function savePlaylist(token) {
  const ids = state.tracks.map((t) => t.id);
  $("save-result").textContent = "Saving…";
  const response = await fetch("/playlists", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: `Moodtune: ${$("emotion").textContent}`, track_ids: ids }),
  });
  if (!response.ok) {
    $("save-result").textContent = await errorMessage(response);
    return;
  }
  const playlist = await response.json();
  const link = document.createElement("a");
  link.href = playlist.url;
  link.textContent = "Open the playlist";
  link.target = "_blank";
  link.rel = "noopener";
  $("save-result").replaceChildren(`Saved ${playlist.tracks_added} songs. `, link);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri() {
  return `${location.origin}/`;
}

// Spotify's authorization-code flow with PKCE (no client secret in a page): away to Spotify, back
// here with a code, exchanged for a token in the browser. Only the track ids wait in sessionStorage.
async function connectSpotify() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const stateToken = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem("moodtune.pkce", JSON.stringify({
    verifier, state: stateToken, ids: state.tracks.map((t) => t.id), mood: $("emotion").textContent,
  }));
  const params = new URLSearchParams({
    client_id: state.config.spotify_client_id, response_type: "code", redirect_uri: redirectUri(),
    code_challenge_method: "S256", code_challenge: challenge, state: stateToken,
    scope: "playlist-modify-private",
  });
  location.assign(`${state.config.spotify_accounts_url}/authorize?${params}`);
}

async function finishSpotifyConnect() {
  const query = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem("moodtune.pkce") || "null");
  if (!saved || (!query.has("code") && !query.has("error"))) return;
  sessionStorage.removeItem("moodtune.pkce");
  history.replaceState(null, "", "/");
  if (query.get("state") !== saved.state || !query.has("code")) {
    showError("Spotify did not connect; nothing was saved.");
    return;
  }
  const response = await fetch(`${state.config.spotify_accounts_url}/api/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: query.get("code"), redirect_uri: redirectUri(),
      client_id: state.config.spotify_client_id, code_verifier: saved.verifier,
    }),
  }).catch(() => null);
  if (!response || !response.ok) {
    showError("Spotify did not give Moodtune a token; nothing was saved.");
    return;
  }
  const { access_token: token } = await response.json();
  state.tracks = saved.ids.map((id) => ({ id }));
  $("emotion").textContent = saved.mood;
  $("results").hidden = false;
  $("tracks").replaceChildren();
  await savePlaylist(token);
  $("save-result").focus?.();
}

// ---- wiring --------------------------------------------------------------------------------------

async function loadGenres() {
  const response = await fetch("/genres").catch(() => null);
  if (!response || !response.ok) return; // the picker stays at "Any genre"
  const { genres } = await response.json();
  for (const genre of genres) {
    const option = document.createElement("option");
    option.value = genre;
    option.textContent = genre;
    $("genre").append(option);
  }
}

async function loadConfig() {
  const response = await fetch("/page-config").catch(() => null);
  if (response && response.ok) state.config = await response.json();
  $("spotify-connect").hidden = !state.config.spotify_client_id;
}

$("image").addEventListener("change", (event) => newPhoto(event.target.files[0] || null));
$("form").addEventListener("submit", (event) => {
  event.preventDefault();
  recommend();
});
$("more").addEventListener("click", () => recommend({ page: state.page + 1 }));
$("fresh").addEventListener("click", async () => {
  if (live.timer === null) return recommend({ fresh: true });
  if (live.busy || !live.smoothed) return; // a frame is being read: its answer comes first
  live.busy = true;
  try {
    await liveSongs(argmax(live.smoothed));
  } catch (err) {
    showError("Moodtune could not be reached. Check your connection and try again.");
  } finally {
    live.busy = false;
  }
});
// Changing what the music should do, or the genre, re-runs with the same photo.
for (const input of [...document.querySelectorAll("input[name=policy]"), $("genre")]) {
  input.addEventListener("change", () => { if (state.photo && !$("results").hidden && live.timer === null) recommend(); });
}

$("camera-start").addEventListener("click", async () => {
  clearMessages();
  stopLive();
  try {
    await openCamera();
    $("camera-shoot").hidden = false;
  } catch (err) {
    showError("The webcam is not available here; upload a photo instead.");
  }
});

$("camera-shoot").addEventListener("click", async () => {
  const blob = await frame($("camera"));
  closeCamera();
  $("camera-shoot").hidden = true;
  newPhoto(new File([blob], "webcam.jpg", { type: "image/jpeg" }));
  recommend();
});

$("live-start").addEventListener("click", startLive);
$("live-stop").addEventListener("click", stopLive);
$("spotify-connect").addEventListener("click", connectSpotify);
$("save-with-token").addEventListener("click", () => {
  const token = $("spotify-token").value.trim();
  if (!token) {
    $("save-result").textContent = "Paste a Spotify access token first.";
    return;
  }
  savePlaylist(token).catch(() => { $("save-result").textContent = "Moodtune could not be reached."; });
});

loadGenres();
loadConfig().then(finishSpotifyConnect);
