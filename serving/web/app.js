// genreclf web page: pick a model, paste a synopsis, see genre scores as bars
// and the words behind the top genres.
// Talks to TF Serving's REST API (:predict and /metadata), plus the local
// server's /web/models.json to list the models and POST /web/explain/{model}
// for the words (served from the run the model was exported from).
"use strict";

const $ = (id) => document.getElementById(id);
let extraInputs = {};  // name -> dtype of the selected model's non-text inputs
let models = {};  // /web/models.json

async function getJson(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {  // no HTTP answer at all: the browser says only "Failed to fetch"
    throw new Error(
      `No answer from the server at ${location.origin} (${err.message}): ` +
      "is `genreclf serve` still running? Reload the page once it is.");
  }
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function loadModels() {
  models = await getJson("/web/models.json");
  const select = $("model");
  select.innerHTML = "";
  for (const [name, info] of Object.entries(models)) {
    const add = (value, text) => select.add(new Option(text, value));
    add(name, `${name} (latest)`);
    for (const [label, version] of Object.entries(info.labels)) add(`${name}/labels/${label}`, `${name} @${label} (v${version})`);
    for (const version of [...info.versions].reverse()) add(`${name}/versions/${version}`, `${name} v${version}`);
  }
  if (!select.options.length) setStatus("No models are served yet.", true);
  await loadFeatures();
}

async function loadFeatures() {
  const container = $("features");
  container.innerHTML = "";
  extraInputs = {};
  const path = $("model").value;
  if (!path) return;
  $("endpoint").textContent = `POST /v1/models/${path}:predict`;
  try {
    const meta = await getJson(`/v1/models/${path}/metadata`);
    const inputs = meta.metadata.signature_def.signature_def.serving_default.inputs;
    for (const [name, info] of Object.entries(inputs)) {
      if (name === "text") continue;
      extraInputs[name] = info.dtype;
      const label = document.createElement("label");
      label.textContent = name;
      label.htmlFor = `feature-${name}`;
      const input = document.createElement("input");
      input.id = `feature-${name}`;
      input.type = info.dtype === "DT_STRING" ? "text" : "number";
      input.step = "any";
      input.required = true;
      container.append(label, input);
    }
  } catch (err) {
    setStatus(`Could not read the model's metadata: ${err.message}`, true);
  }
}

function barList(prediction) {
  // Every genre when the model's classes are known (assets/labels.txt: the column
  // order of `scores`), else the top-k the model returns.
  const model = models[$("model").value.split("/")[0]] || {};
  if (model.classes && prediction.scores && prediction.scores.length === model.classes.length) {
    return model.classes.map((label, i) => [label, prediction.scores[i]])
      .sort((a, b) => b[1] - a[1]);
  }
  return (prediction.top_labels || []).map((label, i) => [label, prediction.top_scores[i]]);
}

function drawBars(prediction) {
  const bars = $("bars");
  bars.innerHTML = "";
  const top = new Set(prediction.top_labels || []);
  const chosen = new Set((prediction.labels || []).filter(Boolean));
  for (const [label, score] of barList(prediction)) {
    const row = document.createElement("div");
    row.className = "bar-row" + (chosen.has(label) ? " predicted" : "") + (top.has(label) ? " top" : "");
    row.dataset.label = label;
    row.dataset.score = String(score);
    const name = document.createElement("span");
    name.className = "label";
    name.textContent = label;
    const track = document.createElement("div");
    track.className = "track";
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
    track.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = `${(score * 100).toFixed(1)}%`;
    row.append(name, track, value);
    bars.append(row);
  }
}

function highlighted(text, words, attributions) {
  // The text with each word in a span: green pushed the genre up, red held it back.
  const scale = Math.max(1e-12, ...attributions.map(Math.abs));
  const fragment = document.createDocumentFragment();
  let last = 0;
  words.forEach((word, i) => {
    fragment.append(text.slice(last, word.start));
    const span = document.createElement("span");
    const value = attributions[i];
    const alpha = Math.min(1, Math.abs(value) / scale) * 0.8;
    span.className = "w" + (value > 0 ? " pos" : value < 0 ? " neg" : "");
    if (value !== 0) span.style.background = value > 0 ? `rgba(18,161,80,${alpha.toFixed(2)})` : `rgba(220,40,40,${alpha.toFixed(2)})`;
    span.title = `${value > 0 ? "+" : ""}${value.toPrecision(3)}`;
    span.textContent = text.slice(word.start, word.end);
    fragment.append(span);
    last = word.end;
  });
  fragment.append(text.slice(last));
  return fragment;
}

async function explain(text, features) {
  const why = $("why");
  why.innerHTML = "";
  try {
    const answer = await getJson(`/web/explain/${$("model").value}`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, top_k: 3, features }),
    });
    const e = answer.explanation;
    const note = document.createElement("p");
    note.className = "why-note";
    note.textContent = `Words behind the top genres (${e.method}; ${e.units} units)` +
      (answer.agrees === false ? " — the served model no longer matches its run folder." : ".");
    why.append(note);
    for (const label of e.labels) {
      const row = document.createElement("div");
      row.className = "why-row";
      row.dataset.label = label.label;
      const name = document.createElement("span");
      name.className = "label";
      name.textContent = label.label;
      const body = document.createElement("p");
      body.className = "why-text";
      body.append(highlighted(e.text, e.words, label.attributions));
      row.append(name, body);
      why.append(row);
    }
    document.body.dataset.explained = "1";
  } catch (err) {
    const note = document.createElement("p");
    note.className = "why-note";
    note.textContent = `No word explanations: ${err.message}`;
    why.append(note);
    document.body.dataset.explained = "error";
  }
}

async function classify(event) {
  event.preventDefault();
  const text = $("synopsis").value.trim();
  if (!text) { setStatus("Paste a synopsis first.", true); return; }
  const instance = { text };
  for (const [name, dtype] of Object.entries(extraInputs)) {
    const raw = $(`feature-${name}`).value;
    instance[name] = dtype === "DT_STRING" ? raw : Number(raw);
  }
  const body = Object.keys(extraInputs).length ? { instances: [instance] } : { instances: [text] };
  $("submit").disabled = true;
  $("why").innerHTML = "";
  delete document.body.dataset.explained;
  setStatus("Classifying…");
  const started = performance.now();
  try {
    const answer = await getJson(`/v1/models/${$("model").value}:predict`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    drawBars(answer.predictions[0]);
    setStatus(`Done in ${Math.round(performance.now() - started)} ms.`);
    document.body.dataset.state = "done";
    const features = { ...instance };
    delete features.text;
    explain(text, features);
  } catch (err) {
    setStatus(err.message, true);
    document.body.dataset.state = "error";
  } finally {
    $("submit").disabled = false;
  }
}

$("form").addEventListener("submit", classify);
$("model").addEventListener("change", loadFeatures);
$("synopsis").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("form").requestSubmit();
});
loadModels().then(() => { document.body.dataset.ready = "1"; })
  .catch((err) => setStatus(`Could not list models: ${err.message}`, true));
