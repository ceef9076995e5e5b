// Moodtune's page: send a photo to POST /recommend, show the face, the emotion, the reasons and the songs.
"use strict";

const $ = (id) => document.getElementById(id);
let photo = null; // the Blob last chosen or taken; kept only in this page, never stored
const ADJECTIVE = {
  angry: "angry", disgust: "disgusted", fear: "afraid", happy: "happy",
  neutral: "calm", sad: "sad", surprise: "surprised",
};

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("status").textContent = "";
}

function clearMessages() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function drawPreview(blob, box) {
  const img = new Image();
  img.onload = () => {
    const canvas = $("preview");
    const scale = Math.min(1, 640 / img.naturalWidth);
    canvas.width = img.naturalWidth * scale;
    canvas.height = img.naturalHeight * scale;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    if (box) {
      ctx.strokeStyle = "#1db954";
      ctx.lineWidth = 3;
      ctx.strokeRect(box.x * scale, box.y * scale, box.width * scale, box.height * scale);
    }
    URL.revokeObjectURL(img.src);
  };
  img.src = URL.createObjectURL(blob);
}

function renderResult(result) {
  $("emotion").textContent = ADJECTIVE[result.emotion] || result.emotion;
  $("confidence").textContent = `(${Math.round(result.confidence * 100)}% sure)`;
  const bars = $("probabilities");
  bars.replaceChildren();
  for (const [emotion, p] of Object.entries(result.probabilities).sort((a, b) => b[1] - a[1])) {
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
  $("explanation").textContent = result.explanation.summary;
  const list = $("tracks");
  list.replaceChildren();
  for (const track of result.tracks) {
    const li = document.createElement("li");
    li.className = "track";
    const title = document.createElement("div");
    title.textContent = `${track.name} — ${track.artists.join(", ")}`;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `popularity ${track.popularity} · ${track.genres.join(", ")}`;
    const player = document.createElement("iframe");
    player.src = `https://open.spotify.com/embed/track/${encodeURIComponent(track.id)}`;
    player.title = `Play ${track.name} on Spotify`;
    player.loading = "lazy";
    player.allow = "encrypted-media";
    li.append(title, meta, player);
    list.append(li);
  }
  $("results").hidden = false;
  if (photo) drawPreview(photo, result.face.detected ? result.face.box : null);
}

async function recommend() {
  clearMessages();
  if (!photo) {
    showError("Choose a photo or take one with the webcam first.");
    return;
  }
  const policy = document.querySelector("input[name=policy]:checked").value;
  const body = new FormData();
  body.append("image", photo, photo.name || "photo.jpg");
  $("submit").disabled = true;
  $("status").textContent = "Reading your face…";
  try {
    const response = await fetch(`/recommend?policy=${policy}&limit=10`, { method: "POST", body });
    const payload = await response.json().catch(() => null);
    if (!response.ok) {
      const message = payload && payload.error ? payload.error.message : `Something went wrong (HTTP ${response.status}).`;
      showError(message);
      return;
    }
    $("status").textContent = "";
    renderResult(payload);
  } catch (err) {
    showError("Moodtune could not be reached. Check your connection and try again.");
  } finally {
    $("submit").disabled = false;
  }
}

$("image").addEventListener("change", (event) => {
  photo = event.target.files[0] || null;
  if (photo) drawPreview(photo, null);
});

$("form").addEventListener("submit", (event) => {
  event.preventDefault();
  recommend();
});

// Switching the policy re-runs with the same photo.
for (const radio of document.querySelectorAll("input[name=policy]")) {
  radio.addEventListener("change", () => { if (photo && !$("results").hidden) recommend(); });
}

$("camera-start").addEventListener("click", async () => {
  clearMessages();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } });
    const video = $("camera");
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    $("camera-shoot").hidden = false;
  } catch (err) {
    showError("The webcam is not available here; upload a photo instead.");
  }
});

$("camera-shoot").addEventListener("click", () => {
  const video = $("camera");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  canvas.toBlob((blob) => {
    photo = new File([blob], "webcam.jpg", { type: "image/jpeg" });
    for (const track of video.srcObject.getTracks()) track.stop();
    video.hidden = true;
    $("camera-shoot").hidden = true;
    drawPreview(photo, null);
    recommend();
  }, "image/jpeg", 0.92);
});
