// Rendering of the server's answers: the predicted letter, one bar per class, the
// picture the network sees, the conv feature maps and a per-layer table.
// Exposes window.BarenetView; app.js does the drawing and the requests.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(p) {
    return p >= 0.995 ? "100%" : p < 0.001 ? "<0.1%" : (100 * p).toFixed(p < 0.1 ? 1 : 0) + "%";
  }

  // -- the model ------------------------------------------------------------------
  function showModel(model) {
    const conv = model.layers.filter((l) => l.name.startsWith("Conv2D")).length;
    const t = model.training || {};
    const trained = t.dataset ? ` · trained on ${t.dataset} for ${model.epoch} epochs` : "";
    $("model-info").textContent =
      `${model.name}: ${model.layers.length} layers (${conv} convolutions), ` +
      `${model.parameters.toLocaleString("en")} parameters, input ${model.input_shape.slice(1).join("×")}` +
      `, ${model.classes.length} classes${trained}`;
    if ($("bars").children.length !== model.classes.length) buildBars(model.classes);
  }

  function buildBars(classes) {
    const bars = $("bars");
    bars.replaceChildren();
    for (const name of classes) {
      const bar = el("div", "bar");
      bar.dataset.class = name;
      bar.dataset.probability = "0";
      const track = el("div", "track");
      track.append(el("div", "fill"));
      bar.append(track, el("span", "name", name));
      bars.append(bar);
    }
  }

  // -- a prediction ---------------------------------------------------------------
  function showPrediction(answer, version) {
    const letter = $("letter");
    letter.textContent = answer.class;
    letter.dataset.letter = answer.class;
    letter.dataset.version = String(version);
    letter.classList.remove("empty");
    showBars(answer.classes, answer.probabilities, answer.index);
    showVerdict(answer.classes, answer.probabilities);
    showMaps(answer.input, answer.layers);
    showLayers(answer.layers);
  }

  function showBars(classes, probabilities, best) {
    const bars = $("bars").children;
    if (bars.length !== classes.length) buildBars(classes);
    classes.forEach((name, i) => {
      const bar = bars[i];
      const p = probabilities[i];
      bar.dataset.probability = String(p);
      bar.title = `${name}: ${percent(p)}`;
      bar.classList.toggle("best", i === best);
      bar.querySelector(".fill").style.height = `${Math.max(0, Math.min(1, p)) * 100}%`;
    });
  }

  function showVerdict(classes, probabilities) {
    const order = classes.map((_, i) => i).sort((a, b) => probabilities[b] - probabilities[a]);
    $("confidence").textContent = `${percent(probabilities[order[0]])} sure`;
    const list = $("runners-up");
    list.replaceChildren();
    for (const i of order.slice(1, 4)) {
      list.append(el("li", "", `${classes[i]} ${percent(probabilities[i])}`));
    }
  }

  function reset(message) {
    const letter = $("letter");
    letter.textContent = "?";
    letter.dataset.letter = "";
    letter.dataset.version = "-1";
    letter.classList.add("empty");
    $("confidence").textContent = message || "";
    $("runners-up").replaceChildren();
    for (const bar of $("bars").children) {
      bar.dataset.probability = "0";
      bar.classList.remove("best");
      bar.querySelector(".fill").style.height = "0";
    }
    $("maps").replaceChildren();
    $("layers").tBodies[0].replaceChildren();
  }

  // -- inside the network -----------------------------------------------------------
  // Paint gray levels 0-255 (row-major, h x w) into a canvas at its own resolution; CSS
  // scales it up, pixelated.
  function paint(canvas, levels, h, w) {
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = levels[i];
      image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }

  // A 2-D array of values from lo to hi, as gray levels.
  function levelsOf(grid, lo, hi) {
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    return grid.flat().map((v) => Math.round((v - lo) * scale));
  }

  // The server sends conv maps as base64 bytes, C x H x W, already as gray levels.
  function bytesOf(base64) {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function mapGroup(title, detail, images, h, w, className) {
    const group = el("figure", `group ${className}`);
    const caption = el("figcaption");
    caption.append(el("strong", "", title), el("span", "muted", ` ${detail}`));
    const grid = el("div", "grid");
    grid.style.setProperty("--columns", String(Math.min(8, images.length)));
    images.forEach((levels, i) => {
      const canvas = el("canvas", "map");
      canvas.title = `${title}, map ${i + 1}`;
      paint(canvas, levels, h, w);
      grid.append(canvas);
    });
    group.append(caption, grid);
    return group;
  }

  function showMaps(input, layers) {
    const [ih, iw] = [input.length, input[0].length];
    const groups = [mapGroup("Input", `${ih}×${iw}`, [levelsOf(input, 0, 1)], ih, iw, "input")];
    for (const layer of layers) {
      if (!layer.maps) continue;
      const [c, h, w] = layer.shape;
      // From 0 up: what the ReLU after the convolution lets through; negatives are black.
      const bytes = bytesOf(layer.maps);
      const images = Array.from({ length: c }, (_, k) => bytes.subarray(k * h * w, (k + 1) * h * w));
      groups.push(mapGroup(layer.name, `${c} maps, ${h}×${w}`, images, h, w, "conv"));
    }
    $("maps").replaceChildren(...groups);
  }

  function showLayers(layers) {
    const rows = layers.map((layer) => {
      const row = el("tr");
      row.dataset.layer = layer.name;
      const cells = [layer.name, layer.shape.join("×"), layer.mean.toFixed(3), layer.max.toFixed(3),
        `${(100 * layer.active).toFixed(0)}%`];
      cells.forEach((text) => row.append(el("td", "", text)));
      return row;
    });
    $("layers").tBodies[0].replaceChildren(...rows);
  }

  window.BarenetView = { showModel, showPrediction, reset };
})();
