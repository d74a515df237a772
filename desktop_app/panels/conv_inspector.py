"""The conv inspector: what every conv and pooling layer does to one image.

For the session's network and one input — a picture the user loaded (File →
Open Image, drag and drop, paste), a sample of the dataset, or the lecture's
8 × 8 edge example — the panel shows, one row per image layer:

* a conv layer's kernels, its maps before and after the activation;
* a pooling layer's output;

packed as mosaics (see :mod:`.mosaic`). Clicking a cell outlines its receptive
field on the input and explains the cell: the dot product of a conv cell
(input patch, kernel, products, bias, sum), the winner of a max-pool cell, and
the whole map as numbers. The kernel editor changes kernels (cell by cell or
from a preset), the mode (correlation / convolution), the stride and the
padding as undoable edits of the session's network; the maps follow at once,
and as training runs or the debugger steps (redrawn at most 30 times a second).
"""
from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.errors import LayerLabError
from core.images import FIT_MODES, fit_to_input
from core.kernels import lecture_edge_example
from core.layers.conv import Conv2D
from core.layers.pooling import AvgPool2D, MaxPool2D
from core.network import infer_shapes
from core.receptive_field import conv_dot_product, max_pool_winner, receptive_field

from ..image_io import (EXPORT_FILE_FILTER, IMAGE_FILE_FILTER, LoadedImage, export_array,
                        image_from_mime, image_paths, read_image)
from .conv_layer_view import LayerMapsView, layer_kinds
from .dot_product_view import CellDetails, format_value
from .kernel_editor import KernelEditor

#: views redraw at most this often (ms) however fast the session changes
REDRAW_MS = 33
#: pictures are kept at most this large (pixels): far more than any network input needs
PICTURE_PIXELS = 1024 * 1024
#: at most this many dropped or opened files are loaded at once
MAX_PICTURES = 50
FIELD_COLOUR = "#ff8f00"
CELL_COLOUR = "#00c853"
WINNER_COLOUR = "#d500f9"


class ConvInspector(QWidget):
    """``ConvInspector(session)``: kernels, maps and receptive fields of the session's network."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.images: list[LoadedImage] = []
        #: "dataset", "step" (the debugger's current sample), "image" or "array" (given with ``set_input_array``)
        self.source = "dataset"
        self.custom_input: np.ndarray | None = None
        self.custom_name = ""
        #: the sample (C, H, W) the network receives, and each layer's cache for it
        self.sample: np.ndarray | None = None
        self.caches: list[dict] = []
        self.rows: dict[int, LayerMapsView] = {}
        self._structure = None
        #: the clicked cell (layer, kind, channel, row, col); layer −1 is the input
        self.selected: tuple | None = None
        #: what Export saves, the last map or kernel clicked: ("map", layer, kind, channel)
        #: or ("kernel", layer, out_channel, in_channel)
        self._export: tuple | None = None

        self._build_ui()
        self.setAcceptDrops(True)
        self._stale = False
        self._range_of, self._range = None, (0.0, 1.0)
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS, timeout=self.refresh)
        session.network_changed.connect(self._schedule)
        session.state_changed.connect(self._schedule)
        self.refresh()

    # --- layout -------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.source_box = QComboBox()
        self.source_box.addItem("Dataset sample", "dataset")
        self.source_box.addItem("Debugger's current sample", "step")
        self.source_box.addItem("Loaded image", "image")
        self.source_box.addItem("Lecture 8×8 example", "array")
        self.source_box.setToolTip("What the network is given: a sample of the dataset, a picture you "
                                   "loaded (drop files here, File → Open Image, or paste), or an array")
        self.source_box.activated.connect(lambda: self._set_source(self.source_box.currentData()))
        self.index = QSpinBox()
        self.index.setToolTip("Which dataset sample / which loaded picture")
        self.index.valueChanged.connect(self._schedule)
        self.fit = QComboBox()
        for mode, tip in zip(FIT_MODES, ("keep the aspect ratio, fill the margins with the background",
                                         "keep the aspect ratio, cut the overflow",
                                         "ignore the aspect ratio")):
            self.fit.addItem(mode, mode)
            self.fit.setItemData(self.fit.count() - 1, tip, Qt.ToolTipRole)
        self.fit.setToolTip("How a picture is resized to the network's input")
        self.fit.activated.connect(self._schedule)
        open_button = QPushButton("Open Image…", clicked=self.open_image_dialog)
        lecture_button = QPushButton("Lecture 8×8 example", clicked=self.show_lecture_example)
        lecture_button.setToolTip("Load the lecture's edge example: its 8 × 8 input, a 3 × 3 edge "
                                  "filter and 2 × 2 max pooling (replaces the network)")
        top = QHBoxLayout()
        for widget in (QLabel("Input:"), self.source_box, self.index, QLabel("fit:"), self.fit,
                       open_button, lecture_button):
            top.addWidget(widget)
        top.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("inspector_status")
        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")

        self.rows_widget = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_widget)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rows_widget)

        self.details = CellDetails()
        self.editor = KernelEditor()
        self.editor.kernel_edited.connect(self._edit_kernel)
        self.editor.layer_edited.connect(self._edit_layer)
        self.editor.failed.connect(self._fail)
        export = QPushButton("Export selected kernel or map…", clicked=self.export_dialog)
        export.setToolTip("Save the last clicked map or kernel as PNG, CSV or .npy")
        cell_page = QWidget()
        cell_layout = QVBoxLayout(cell_page)
        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setWidget(self.details)
        cell_layout.addWidget(details_scroll, 1)
        cell_layout.addWidget(export)
        self.tabs = QTabWidget()
        self.tabs.addTab(cell_page, "Cell")
        self.tabs.addTab(self.editor, "Kernel")
        self.tabs.currentChanged.connect(self._tab_changed)
        self._editor_stale = False
        self._editor_layers: list = []           # the conv layers the editor was last given

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([720, 480])
        scroll.setMinimumWidth(320)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.readout)

    # --- choosing the input ----------------------------------------------------------------
    def _set_source(self, source: str) -> None:
        if source == "image" and not self.images:
            self._fail("No picture loaded yet: drop image files here, use File → Open Image, or paste one.")
            source = self.source
        if source == "array" and self.custom_input is None:
            self.show_lecture_example()
            return
        self.source = source
        self._sync_source_controls()
        self._schedule()

    def _sync_source_controls(self) -> None:
        self.source_box.setCurrentIndex(self.source_box.findData(self.source))
        if self.source == "array":
            self.source_box.setItemText(self.source_box.findData("array"), self.custom_name or "Array")
        samples = 0 if self.session.x is None else len(self.session.x)
        count = {"image": len(self.images), "dataset": samples, "step": samples}.get(self.source, 1)
        self.index.setRange(0, max(count - 1, 0))
        self.index.setEnabled(count > 1 and self.source != "step")
        self.fit.setEnabled(self.source == "image")

    def load_image_files(self, paths) -> bool:
        """Load pictures from files; the first readable one is shown. Unreadable
        files are reported; if none can be read, what was loaded stays."""
        paths = list(paths)
        if len(paths) > MAX_PICTURES:
            self.session.message.emit(f"Only the first {MAX_PICTURES} of {len(paths)} files are loaded.")
            paths = paths[:MAX_PICTURES]
        loaded, problems = [], []
        for path in paths:
            try:
                loaded.append(read_image(path, PICTURE_PIXELS))
            except LayerLabError as e:
                problems.append(str(e))
        if problems:
            kept = "" if loaded else " The previous input is kept."
            self._fail(" ".join(problems) + kept)
        if loaded:
            self._use_images(loaded)
        return bool(loaded)

    def load_image(self, image: LoadedImage) -> None:
        """Show one decoded picture (a paste, a file)."""
        self._use_images([image])

    def _use_images(self, images: list[LoadedImage]) -> None:
        self.images = images
        self.source = "image"
        self._sync_source_controls()
        self.index.setValue(0)
        notes = "; ".join(i.description for i in images[:3]) + (" …" if len(images) > 3 else "")
        self.session.message.emit(f"Loaded {len(images)} picture{'s' * (len(images) > 1)}: {notes}")
        self.refresh()

    def paste_image(self) -> bool:
        """Load the clipboard's picture (or the image files copied to it)."""
        mime = QGuiApplication.clipboard().mimeData()
        image = image_from_mime(mime) if mime is not None else None
        if image is not None:
            self.load_image(image)
            return True
        paths = image_paths(mime) if mime is not None else []
        if paths:
            return self.load_image_files(paths)
        self._fail("The clipboard holds no picture: copy an image or an image file first.")
        return False

    def open_image_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open image(s)", "", IMAGE_FILE_FILTER)
        if paths:
            self.load_image_files(paths)

    def show_dataset_sample(self, index: int) -> None:
        """Give the network sample ``index`` of the session's dataset."""
        self.source = "dataset"
        self._sync_source_controls()
        self.index.setValue(index)
        self.refresh()

    def set_input_array(self, array, name: str) -> None:
        """Give the network ``array`` (C, H, W) itself as the input, shown as ``name``."""
        self.custom_input = np.array(array, dtype=np.float64)
        self.custom_name = name
        self.source = "array"
        self._sync_source_controls()
        self.refresh()

    def show_lecture_example(self) -> None:
        """Replace the network with the lecture's edge example and show its 8 × 8 input."""
        from core.optimizers import SGD
        net, x = lecture_edge_example()
        self.session.set_network(net, SGD(lr=0.01), x, np.zeros((1, *net.output_shape)),
                                 dataset_name="Lecture 8×8 edge example")
        self.set_input_array(x[0], "Lecture 8×8 example")

    # --- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        """Load the dropped image files (or picture); the drop is accepted only if one loads."""
        mime = event.mimeData()
        paths = image_paths(mime)
        image = None if paths else image_from_mime(mime)
        if paths:
            loaded = self.load_image_files(paths)
        elif image is not None:
            self.load_image(image)
            loaded = True
        else:
            self._fail("Only image files can be dropped here.")
            loaded = False
        if loaded:
            event.acceptProposedAction()
        else:
            event.ignore()

    # --- computing -------------------------------------------------------------------------
    def _schedule(self) -> None:
        """Redraw soon; a hidden inspector (a closed or background dock) waits until it is shown."""
        if not self.isVisible():
            self._stale = True
        elif not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()

    def _current_sample(self, net) -> np.ndarray | None:
        """The (C, H, W) array the network receives from the chosen source (None if there is none)."""
        shape = net.input_shape
        x = self.session.x
        data_fits = x is not None and x.ndim == len(shape) + 1 and x.shape[1:] == shape
        if self.source == "image" and self.images:
            image = self.images[min(self.index.value(), len(self.images) - 1)]
            value_range = self._data_range(x) if data_fits else (0.0, 1.0)
            return fit_to_input(image.pixels, shape, self.fit.currentData(), value_range)
        if self.source == "array" and self.custom_input is not None:
            if self.custom_input.shape == shape:
                return self.custom_input
            self.source = "dataset"
            self._sync_source_controls()
        if data_fits:
            if self.source == "step":
                self.index.setValue(self._step_sample())
            return np.asarray(x[min(self.index.value(), len(x) - 1)], dtype=np.float64)
        return None

    def _data_range(self, x) -> tuple[float, float]:
        """(min, max) of the dataset: pictures are scaled to the range the network trains on.
        Measured once per dataset."""
        if self._range_of is not x:
            lo, hi = float(np.min(x)), float(np.max(x))
            self._range_of, self._range = x, ((lo, hi) if hi > lo else (0.0, 1.0))
        return self._range

    def _step_sample(self) -> int:
        """Index of the first sample of the debugger's batch in progress (or of the last one);
        while a run is going the index stays as it was."""
        debugger = self.session.debugger
        if debugger is None or self.session.running:
            return self.index.value()
        record = debugger.current or debugger.last_iteration
        return self.index.value() if record is None else int(record.indices[0])

    def refresh(self) -> None:
        """Recompute every map for the current network and input, and redraw."""
        net = self.session.network
        if net is None:
            if self.session.stack_error:
                self._clear(f"The network is not valid: {self.session.stack_error}")
            else:
                self._clear("No network yet: load a template (File → New from template) or the lecture example.",
                            error=False)
            return
        if len(net.input_shape) != 3:
            self._clear(f"This network takes flat inputs {net.input_shape}: the conv inspector shows "
                        f"networks on images (C, H, W), such as LeNet-5 or the lecture's 8×8 example.",
                        error=False)
            return
        self._sync_source_controls()
        try:
            sample = self._current_sample(net)
            caches = [] if sample is None else net.forward_layers(sample[None], training=False)[1]
        except LayerLabError as e:
            self._clear(str(e))
            return
        if sample is None:
            self._clear("No input to show: load a picture (drop it here, File → Open Image, or paste) "
                        "or the lecture's 8×8 example.", error=False)
            return
        self.sample, self.caches = sample, caches
        self._rebuild_rows(net)
        self._draw(net)
        self.status.setText(self._describe_input(net))
        if self.status.styleSheet():              # (setting a style sheet, even the same, re-styles the label)
            self.status.setStyleSheet("")
        self._apply_selection()

    def _describe_input(self, net) -> str:
        lo, hi = float(self.sample.min()), float(self.sample.max())
        what = {"image": lambda: self.images[min(self.index.value(), len(self.images) - 1)].description,
                "array": lambda: self.custom_name,
                "dataset": lambda: f"sample {self.index.value()} of {self.session.dataset_name or 'the data'}",
                "step": lambda: f"sample {self.index.value()}, the first of the debugger's batch"}
        return (f"Input: {what[self.source]()} → {net.input_shape} array, values {format_value(lo)} … "
                f"{format_value(hi)}. Click any cell; hover for values.")

    def _clear(self, text: str, error: bool = True) -> None:
        """Empty the view and say why: in the error colour for a problem, plainly for a hint."""
        self.sample, self.caches = None, []
        self._structure = None
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows.clear()
        self._give_editor([])
        self.status.setText(text)
        self.status.setStyleSheet("color: #8a1c1c;" if error else "")

    def _rebuild_rows(self, net) -> None:
        """One row per image layer; rebuilt only when the architecture changes."""
        structure = [(repr(layer), shape) for layer, shape in zip(net.layers, net.shapes)]
        structure.append(net.input_shape)
        if structure == self._structure:
            self._refresh_editor(net)
            return
        self._structure = structure
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows.clear()
        self.selected, self._export = None, None
        channels = {1: "", 3: " — one tile per channel: red, green, blue"}.get(
            net.input_shape[0], " — one tile per channel")
        shown = [(-1, f"Input {net.input_shape}{channels}", ("input",))]
        for i, (layer, shape) in enumerate(zip(net.layers, net.shapes)):
            if len(shape) == 3:
                shown.append((i, f"Layer {i}: {layer!r} → {shape}", layer_kinds(layer)))
        for position, (index, title, kinds) in enumerate(shown):
            row = LayerMapsView(index, title, kinds)
            row.map_clicked.connect(self.select_cell)
            row.kernel_clicked.connect(self.select_kernel)
            row.hovered.connect(self.readout.setText)
            self.rows_layout.insertWidget(position, row)
            self.rows[index] = row
        self._give_editor(self._conv_layers(net))

    def _refresh_editor(self, net) -> None:
        """Show the current kernels in the editor. Behind the Cell tab it is redrawn only when a
        conv layer was replaced (an edit), not on every frame (its table costs more than all the
        maps): it catches up when its tab is opened."""
        layers = self._conv_layers(net)
        replaced = len(layers) != len(self._editor_layers) or any(
            a is not b for (_, a), b in zip(layers, self._editor_layers))
        self._editor_stale = not (replaced or self.editor.isVisible())
        if not self._editor_stale:
            self._give_editor(layers)

    def _give_editor(self, layers) -> None:
        self.editor.set_conv_layers(layers, keep=self.editor.layer_index)
        self._editor_layers = [layer for _, layer in layers]

    def _tab_changed(self) -> None:
        net = self.session.network
        if self._editor_stale and net is not None and self.editor.isVisible():
            self._refresh_editor(net)

    @staticmethod
    def _conv_layers(net):
        return [(i, layer) for i, layer in enumerate(net.layers) if isinstance(layer, Conv2D)]

    def _draw(self, net) -> None:
        self.rows[-1].set_maps("input", self.sample, lambda c, i, j: f"input[{c}, {i}, {j}]")
        if self.sample.shape[0] == 3:
            self.rows[-1].show_colour(self.sample)
        for index, row in self.rows.items():
            if index < 0:
                continue
            cache, name = self.caches[index], f"layer {index}"
            if "kernel" in row.plots:
                row.set_kernels(net.layers[index].params["W"],
                                lambda f, c, i, j, n=index: f"layer {n} W[{f}, {c}, {i}, {j}]")
            if "net" in row.plots:
                row.set_maps("net", cache["net"][0], lambda c, i, j, n=name: f"{n} net[{c}, {i}, {j}]")
            if "out" in row.plots:
                row.set_maps("out", cache["out"][0], lambda c, i, j, n=name: f"{n} out[{c}, {i}, {j}]")

    # --- selection ----------------------------------------------------------------------------
    def select_cell(self, layer: int, kind: str, channel: int, row: int, col: int) -> None:
        """Explain cell (channel, row, col) of map ``kind`` ("input", "net", "out") of ``layer``."""
        self.selected = (layer, kind, channel, row, col)
        self._export = ("map", layer, kind, channel)
        self.tabs.setCurrentIndex(0)
        self._apply_selection()

    def select_kernel(self, layer: int, out_channel: int, in_channel: int) -> None:
        """Open kernel (out_channel, in_channel) of conv ``layer`` in the editor."""
        self.editor.select(layer, out_channel, in_channel)
        self._export = ("kernel", layer, out_channel, in_channel)
        self.tabs.setCurrentIndex(1)

    def _apply_selection(self) -> None:
        for row in self.rows.values():
            for plot in row.plots.values():
                plot.set_outlines([])
        if self.selected is None or self.sample is None:
            return
        layer, kind, channel, r, c = self.selected
        view = self.rows.get(layer)
        if view is None or kind not in view.arrays or not (
                channel < view.arrays[kind].shape[0] and r < view.arrays[kind].shape[1]
                and c < view.arrays[kind].shape[2]):
            self.selected = None
            return
        net = self.session.network
        values = view.arrays[kind][channel]
        name = "input" if layer < 0 else f"layer {layer} {kind}"
        a, b = view.tile_of(kind, channel)
        view.plots[kind].set_outlines([(a, b, r, r + 1, c, c + 1, CELL_COLOUR)])
        self.details.show_map(f"{name}[{channel}]", values, (r, c))
        if layer < 0:
            self.details.show_text(f"Input pixel [{channel}, {r}, {c}]",
                                   f"value = <b>{format_value(values[r, c])}</b>")
            return
        field = receptive_field(net, layer, r, c)
        cell = f"Layer {layer} {kind}[{channel}, {r}, {c}]"
        if field.shape[0] == 0:
            self.rows[-1].plots["input"].set_outlines([])
            title = f"{cell} — its window lies wholly on zero padding: it depends on no input pixel"
        else:
            self.rows[-1].plots["input"].set_outlines(
                [(*self.rows[-1].tile_of("input", ch), *field.rows, *field.cols, FIELD_COLOUR)
                 for ch in range(self.sample.shape[0])])
            title = (f"{cell} — receptive field: input rows {field.rows[0]}…{field.rows[1] - 1}, "
                     f"columns {field.cols[0]}…{field.cols[1] - 1} ({field.shape[0]} × {field.shape[1]}, "
                     f"outlined on the input)")
        self._explain(net.layers[layer], layer, title, channel, r, c)

    def _explain(self, layer, index, title, channel, r, c) -> None:
        # the layer's input: the previous layer's output (or the sample itself)
        x = self.caches[index - 1]["out"][0] if index > 0 else self.sample
        if isinstance(layer, Conv2D):
            terms = conv_dot_product(layer, x, channel, r, c)
            out = float(self.caches[index]["out"][0][channel, r, c])
            self.details.show_conv(title, terms, out, layer.activation.name)
        elif isinstance(layer, MaxPool2D):
            wr, wc = max_pool_winner(layer, x, channel, r, c)
            (kh, kw), (sh, sw) = layer.size, layer.stride
            self.details.show_text(title, (
                f"max of the {kh} × {kw} window at rows {r * sh}…{r * sh + kh - 1}, columns "
                f"{c * sw}…{c * sw + kw - 1} of the layer's input: "
                f"<b>{format_value(x[channel, wr, wc])}</b>, won by input cell ({wr}, {wc})."))
            self._outline_winner(index, channel, wr, wc)
        elif isinstance(layer, AvgPool2D):
            (kh, kw), (sh, sw) = layer.size, layer.stride
            window = x[channel, r * sh:r * sh + kh, c * sw:c * sw + kw]
            self.details.show_text(title, f"mean of the {kh} × {kw} window = "
                                          f"<b>{format_value(window.mean())}</b>")
        else:
            self.details.show_text(title, f"value = <b>{format_value(self.caches[index]['out'][0][channel, r, c])}</b>")

    def _outline_winner(self, index: int, channel: int, wr: int, wc: int) -> None:
        """Outline the winning cell on the map feeding the pool, when it is shown."""
        source = self.rows.get(index - 1) if index > 0 else self.rows[-1]
        if source is None:
            return
        kind = "out" if "out" in source.plots else ("net" if "net" in source.plots else "input")
        a, b = source.tile_of(kind, channel)
        source.plots[kind].set_outlines([(a, b, wr, wr + 1, wc, wc + 1, WINNER_COLOUR)])

    # --- editing ------------------------------------------------------------------------------
    def _edit_kernel(self, index: int, out_channel: int, in_channel: int, values) -> None:
        layers = self.session.state().layers
        weights = layers[index].params["W"].copy()
        weights[out_channel, in_channel] = values
        layers[index].params["W"] = weights
        self._commit(f"Edit kernel W[{out_channel}, {in_channel}] of layer {index}", layers)

    def _edit_layer(self, index: int, settings: dict) -> None:
        layers = self.session.state().layers
        old = layers[index]
        try:
            new = Conv2D(**{**old.config(), **settings})
        except LayerLabError as e:
            self._fail(str(e))
            return
        for name, value in old.params.items():
            new.params[name] = value
        new.frozen = set(old.frozen)
        layers[index] = new
        what = ", ".join(f"{k} = {v!r}" for k, v in settings.items())
        self._commit(f"Set {what} on layer {index}", layers)

    def _commit(self, description: str, layers) -> None:
        """Apply an edit through the session (undoable), unless it breaks the stack."""
        try:
            infer_shapes(copy.deepcopy(layers), self.session.input_shape)
        except LayerLabError as e:
            self._fail(f"{description} is not possible: {e}")
            self._give_editor(self._conv_layers(self.session.network))
            return
        self.session.edit_stack(description, layers=layers)
        self.refresh()

    # --- export and messages --------------------------------------------------------------------
    @property
    def export_target(self) -> tuple[str, np.ndarray] | None:
        """``(file name, 2-D array)`` of the last map or kernel clicked, as it is now."""
        if self._export is None or self.sample is None:
            return None
        what, layer, a, b = self._export
        if what == "kernel":
            return f"layer{layer}_W{a}_{b}", np.array(self.session.network.layers[layer].params["W"][a, b])
        view = self.rows.get(layer)
        if view is None or a not in view.arrays or b >= view.arrays[a].shape[0]:
            return None
        name = "input" if layer < 0 else f"layer{layer}_{a}"
        return f"{name}_{b}", np.array(view.arrays[a][b])

    def export_dialog(self) -> None:
        target = self.export_target
        if target is None:
            self._fail("Click a map cell or a kernel first: Export saves the last one clicked.")
            return
        name, array = target
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"{name}.png", EXPORT_FILE_FILTER)
        if path:
            try:
                written = export_array(array, path)
            except LayerLabError as e:
                self._fail(str(e))
                return
            self.session.message.emit(f"Saved {written}")

    def _fail(self, text: str) -> None:
        """Show a problem where the user looks: in the panel and through the session."""
        self.readout.setText(text)
        self.session.error.emit(text)

    def closeEvent(self, event) -> None:
        self.session.network_changed.disconnect(self._schedule)
        self.session.state_changed.disconnect(self._schedule)
        super().closeEvent(event)


class _WindowDrops(QObject):
    """Lets the whole main window take dropped pictures for the inspector."""

    def __init__(self, inspector: ConvInspector, parent=None):
        super().__init__(parent)
        self.inspector = inspector

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.DragEnter, QEvent.DragMove):
            self.inspector.dragEnterEvent(event)
            return event.isAccepted()
        if event.type() == QEvent.Drop:
            self.inspector.dropEvent(event)
            return True
        return False


def install_conv_inspector(window) -> ConvInspector:
    """Add the inspector dock, File → Open Image… / Paste Image, and drops on the window."""
    inspector = ConvInspector(window.session)
    dock = window.add_panel("conv_inspector", "Conv inspector", inspector)
    if "formulas" in window.docks:
        window.tabifyDockWidget(window.docks["formulas"], dock)
    actions = [QAction("Open &Image…", window, shortcut=QKeySequence("Ctrl+I"),
                       triggered=inspector.open_image_dialog),
               QAction("&Paste Image", window, shortcut=QKeySequence("Ctrl+Shift+V"),
                       triggered=inspector.paste_image),
               QAction("Lecture 8×8 &edge example", window, triggered=inspector.show_lecture_example)]
    menu_actions = window.file_menu.actions()
    before = menu_actions[-1] if menu_actions else None     # keep Quit last
    for action in actions:
        window.file_menu.insertAction(before, action)
    window.setAcceptDrops(True)
    window._image_drops = _WindowDrops(inspector, window)
    window.installEventFilter(window._image_drops)
    return inspector


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from desktop_app.session import SessionController
    app = QApplication(sys.argv)
    session = SessionController()
    panel = ConvInspector(session)
    panel.show_lecture_example()
    panel.resize(1200, 800)
    panel.show()
    sys.exit(app.exec())
