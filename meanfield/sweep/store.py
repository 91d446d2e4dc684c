"""Labelled, resumable storage of a sweep: an xarray Dataset in a Zarr store.

Layout (``xr.open_zarr(path)``):

* dimensions: the grid axes in order, then ``seed`` for a simulation quantity;
* coordinates: the axis values, with ``long_name`` (the parameter's meaning), ``units``
  and ``domain`` attributes;
* data variables: the quantity's outputs (``long_name``, ``units``), and ``done``
  (bool): the point's chunk is computed and stored;
* the array ``meanfield/chunk_crc32`` (a subgroup: not part of the dataset): the CRC-32
  of each chunk's values of each output, which tells a valid chunk copied to another
  position from the one that belongs there;
* attributes: quantity, model name, hash, equations and full text, fixed parameters and
  options (JSON), seeds, block shape, package version, creation date.

Every variable is chunked by the sweep's block shape, so one task's result is exactly
one Zarr chunk per variable. The driver is the only writer: it writes a chunk's data,
then its ``done`` flags, so a kill between the two only recomputes that chunk (Zarr's
local store writes each chunk file atomically). The store is first written under a
temporary name and renamed into place, so a half-created store never exists.

Damage from outside (a chunk file truncated, overwritten or deleted after it was written,
a disk error) is detected, not read as data: every chunk carries a CRC-32C checksum of its
compressed bytes (Zarr's ``crc32c`` codec; reading a damaged chunk raises instead of
returning numbers), every written chunk has a file (``write_empty_chunks``), and
:meth:`SweepStore.verify` (run on every resume) reads each stored chunk, so a damaged one
is reported and computed again.

One run writes a store at a time: the run holds an exclusive lock (``flock``) on the
file ``.NAME.lock`` beside the store ``NAME`` from creation (or from opening it to resume)
to its end.
A second run on the same store, resuming or overwriting it, is refused with
:class:`~meanfield.sweep.errors.StoreBusyError` naming the holder (before, an
``--overwrite`` while the first run went on left a store labelled with the second grid
holding the first sweep's values, all marked done). The system releases the lock when
its process ends, however it ends (SIGKILL included), so there is never a stale lock to
remove (the file itself is removed at the end of a run; one left by a killed run is taken
over). Readers (``xr.open_zarr``) take no lock. Where ``fcntl`` does not exist
(Windows) there is no lock.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np

from .._version import __version__
from .errors import StoreBusyError, StoreExistsError, StoreMismatchError, SweepError

try:
    import fcntl
except ImportError:  # (Windows) no advisory locks: one writer is then the user's care
    fcntl = None
from .plan import SweepSpec

__all__ = ["SweepStore", "LAYOUT"]

#: Version of this layout, stored as attribute ``meanfield_sweep``.
LAYOUT = 1
#: The chunk manifest (added 2026-11-28; a store without it is checked without it): an
#: array in a subgroup, which ``xr.open_zarr`` does not read (as a data variable of the
#: dataset it multiplied the rows of ``to_dataframe()``; a probe).
MANIFEST = "meanfield/chunk_crc32"


class _WriterLock:
    """The exclusive lock of the one run that writes a store (see the module docstring).

    The lock file lies beside the store (``.NAME.lock``), not in it: Zarr warns about any
    file in a store that is not its own. It is removed when the lock is released.

    Not ``filelock`` (which the code-generation cache uses, to wait its turn): a second
    writer here is refused at once, with the holder's process, host and start read from
    the file, which ``filelock`` does not offer, and a lock file that cannot be made is a
    warning, not an error.
    """

    def __init__(self, path: Path | None, fd: int | None):
        self._path, self._fd = path, fd

    @staticmethod
    def file_for(store: Path) -> Path:
        # the store's real path: two spellings of one store (a symlink, "..") share a lock
        store = Path(store).resolve()
        return store.parent / f".{store.name}.lock"

    @classmethod
    def acquire(cls, store: Path) -> _WriterLock:
        """Lock ``store``'s lock file, or raise :class:`StoreBusyError` naming its holder."""
        if fcntl is None:
            return cls(None, None)
        path = cls.file_for(Path(store))
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                # a read-only parent folder, a name too long for the lock file's extra
                # characters: the run goes on without a lock, saying so (a traceback
                # before; resuming there had worked; found by a probe, 2026-11-28)
                warnings.warn(f"{store}: cannot create the lock file {path.name} "
                              f"({exc.strerror}); no other run is kept from writing this "
                              "store at the same time", RuntimeWarning, stacklevel=3)
                return cls(None, None)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 256, 0).decode("utf-8", "replace").strip() or "unknown"
                os.close(fd)
                raise StoreBusyError(
                    f"{store} is being written by another run ({holder}): let it finish or "
                    "stop it, then resume (or overwrite) this store") from None
            # the file may have been released and removed between our open and lock: then
            # this lock is on a file nobody else sees; take the one at the path instead
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        now = datetime.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}, since {now}"
                  .encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.unlink(self._path)
            except FileNotFoundError:
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _json(obj) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=True)


def _encoding(names) -> dict:
    """Zstandard compression followed by a CRC-32C checksum, for every variable."""
    from zarr.codecs import Crc32cCodec, ZstdCodec

    return {n: {"compressors": [ZstdCodec(), Crc32cCodec()]} for n in names}


def _consolidate(path: Path) -> None:
    """Consolidated metadata, so ``xr.open_zarr(path)`` opens the store without a warning
    (the metadata never changes after creation; Zarr 3 warns that this is an extension)."""
    import zarr

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")
        zarr.consolidate_metadata(str(path))


def _create_manifest(path: Path, spec: SweepSpec, block: tuple) -> None:
    """Where each chunk belongs: the CRC-32 of every output's values, chunk by chunk (row
    ``i`` is chunk ``i`` in C order of the block grid, one Zarr chunk a row; 0: not
    written), written after the chunk's data and before its done flags. A valid chunk
    file copied over another position reads back with its own checksum, but not with
    that position's CRC."""
    import zarr
    from zarr.codecs import Crc32cCodec, ZstdCodec

    outputs = [o.name for o in spec.quantity.outputs(spec.model)]
    n_chunks = int(np.prod([-(-n // b) for n, b in zip(spec.shape, block)]))
    group = zarr.open_group(str(path), mode="r+")
    arr = group.create_array(MANIFEST, shape=(n_chunks, len(outputs)), dtype="uint32",
                             chunks=(1, len(outputs)), fill_value=0,
                             compressors=[ZstdCodec(), Crc32cCodec()],
                             attributes={"outputs": outputs, "long_name":
                                         "CRC-32 of each chunk's values of each output"})
    del arr


def _template(spec: SweepSpec, block: tuple):
    """The empty dataset: coordinates, lazily filled variables, attributes."""
    import dask.array as da
    import xarray as xr

    dims, shape = spec.dims, spec.shape
    coords = {}
    for name, values in spec.axes.items():
        p = spec.model.parameter(name)
        coords[name] = (name, values, {"long_name": p.meaning or name, "units": p.units or "1",
                                       "domain": p.domain.describe(name)})
    if spec.seeds is not None:
        coords["seed"] = ("seed", spec.seeds.astype("int64"),
                          {"long_name": "seed of the couplings and the initial state"})
    data = {}
    for out in spec.quantity.outputs(spec.model):
        data[out.name] = (dims, da.full(shape, out.fill, dtype=out.np_dtype, chunks=block),
                          {"long_name": out.long_name, "units": out.units})
    data["done"] = (dims, da.zeros(shape, dtype=bool, chunks=block),
                    {"long_name": "the chunk of this point is computed and stored"})
    if spec.quantity.name == "fixed-points":
        from ..solve.grid import REGIONS

        data["region"][2]["regions"] = _json({str(k): v for k, v in REGIONS.items()})
    ds = xr.Dataset(data, coords=coords, attrs=_attributes(spec, block))
    return ds


def _attributes(spec: SweepSpec, block: tuple) -> dict:
    m = spec.model
    return {
        "title": f"meanfield sweep: {spec.quantity.name} of model {m.name}",
        "meanfield_sweep": LAYOUT,
        "quantity": spec.quantity.name,
        "quantity_description": spec.quantity.description,
        "model": m.name,
        "model_hash": m.hash,
        "model_equations": "\n".join(m.equations_text()),
        "model_text": str(m),
        "params": _json(spec.params),
        "options": _json(spec.options),
        "seeds": [] if spec.seeds is None else [int(s) for s in spec.seeds],
        "grid_axes": list(spec.axes),
        "variables": [o.name for o in spec.quantity.outputs(m)] + ["done"],
        "chunk_shape": [int(b) for b in block],
        "chunk_checksums": "crc32c",
        "chunk_manifest": MANIFEST,
        "meanfield_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


class SweepStore:
    """A sweep's Zarr store on the local file system.

    Use :meth:`create` for a new sweep and :meth:`open` to resume one.
    """

    def __init__(self, path, attrs: dict):
        self.path = Path(path)
        self.attrs = attrs
        self._lock: _WriterLock | None = None
        self._dtypes: dict | None = None  # the outputs' stored dtypes, read once
        self._block_grid: tuple | None = None  # (block shape, blocks along each axis)

    def release(self) -> None:
        """Let another run write the store (the end of this run)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # ------------------------------------------------------------ opening
    @classmethod
    def create(cls, path, spec: SweepSpec, block: tuple, *, overwrite: bool = False
               ) -> SweepStore:
        """Write the empty store for ``spec`` (chunked by ``block``) at ``path``.

        Raises :class:`StoreExistsError` if ``path`` exists and not ``overwrite``.
        """
        path = Path(path)
        cls.check_new(path, overwrite=overwrite)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = _WriterLock.acquire(path)  # also held by a run still writing an old store
        try:  # (a prefix of the store's own name was too long for a 250-character one)
            tmp = Path(tempfile.mkdtemp(prefix=".meanfield-new-store-", dir=path.parent))
        except OSError as exc:
            lock.release()
            raise SweepError(f"{path}: cannot create the store in {path.parent} "
                             f"({exc.strerror})") from None
        try:
            ds = _template(spec, block)
            ds.to_zarr(str(tmp), mode="w", compute=False, consolidated=False,
                       encoding=_encoding(ds.data_vars))
            _create_manifest(tmp, spec, block)
            _consolidate(tmp)
            if path.exists():
                _remove(path)
            os.replace(tmp, path)
        except BaseException:
            lock.release()
            raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        store = cls(path, dict(ds.attrs))
        store._lock = lock
        return store

    @staticmethod
    def check_new(path, *, overwrite: bool = False) -> None:
        """Raise :class:`StoreExistsError` if ``path`` exists and not ``overwrite``."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise StoreExistsError(f"{path} exists: pass --resume to continue that sweep, "
                                   "or --overwrite (or remove it) to start again")
        if path.exists() and not _is_zarr(path):
            raise StoreExistsError(f"{path} exists and is not a Zarr store: not overwritten")
        if path.is_symlink():  # (rmtree's OSError traceback before; a probe)
            raise StoreExistsError(f"{path} is a symbolic link to {os.readlink(path)}: not "
                                   "overwritten; give the store's own path")
        if path.exists():  # a store another run is writing is not overwritten
            _WriterLock.acquire(path).release()

    @classmethod
    def open(cls, path, *, lock: bool = False) -> SweepStore:
        """Reopen an existing sweep store (:class:`SweepError` if it is not one).

        ``lock``: become its one writer first (:class:`StoreBusyError` if another run is),
        so that nothing read here can change before the lock is held.
        """
        path = Path(path)
        if not path.exists():
            raise SweepError(f"{path} does not exist: nothing to resume (run without --resume)")
        held = _WriterLock.acquire(path) if lock else None
        try:
            attrs = cls._read_attrs(path)
            if attrs.get("meanfield_sweep") != LAYOUT:
                raise SweepError(f"{path} is not a meanfield sweep store (layout {LAYOUT})")
        except BaseException:
            if held is not None:
                held.release()
            raise
        store = cls(path, attrs)
        store._lock = held
        return store

    def check_writable(self) -> None:
        """:class:`SweepError` in one line if the store's folder cannot be written (a
        read-only mount: ``--resume`` computed the missing chunks, then its first write
        was a traceback; a probe, 2026-11-28), checked before any work."""
        probe = self.path / f".meanfield-write-test-{os.getpid()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise SweepError(f"{self.path} cannot be written ({exc.strerror}): nothing can "
                             "be stored there; copy it somewhere writable to resume it") from None

    @staticmethod
    def _read_attrs(path: Path) -> dict:
        import zarr

        try:
            return dict(zarr.open_group(str(path), mode="r").attrs)
        except Exception as exc:  # any unreadable store: one line, not a traceback
            raise SweepError(f"{path} is not a readable Zarr store ({type(exc).__name__}: "
                             f"{exc})") from None

    # ------------------------------------------------------------ checks
    def check_matches(self, spec: SweepSpec, block: tuple | None) -> tuple:
        """Raise :class:`StoreMismatchError` naming the first difference from ``spec``.

        ``block``: the requested block shape (None: take the store's). Returns the
        store's block shape.
        """
        a = self.attrs
        stored_block = tuple(int(b) for b in a["chunk_shape"])
        if a["model_hash"] != spec.model.hash:
            raise StoreMismatchError(self._mismatch(
                "model", f"{a['model']} (hash {a['model_hash'][:12]})",
                f"{spec.model.name} (hash {spec.model.hash[:12]})"))
        checks = [
            ("quantity", a["quantity"], spec.quantity.name),
            ("grid axes", list(a["grid_axes"]), list(spec.axes)),
            ("fixed parameters", json.loads(a["params"]), json.loads(_json(spec.params))),
            ("options", json.loads(a["options"]), json.loads(_json(spec.options))),
            ("seeds", list(a["seeds"]),
             [] if spec.seeds is None else [int(s) for s in spec.seeds]),
        ]
        for what, stored, given in checks:
            if stored != given:
                raise StoreMismatchError(self._mismatch(what, stored, given))
        stored_out = [v for v in a.get("variables", []) if v != "done"]
        given_out = [o.name for o in spec.quantity.outputs(spec.model)]
        if stored_out != given_out:
            # same sweep, another version of the package: resuming would write variables
            # the store does not have (xarray refused with a traceback)
            raise StoreMismatchError(
                f"{self.path} was written with the outputs {', '.join(stored_out)}; this "
                f"version of {spec.quantity.name} writes {', '.join(given_out)} (an earlier "
                "or later meanfield): resume it with the version that started it, or "
                "--overwrite to start again")
        coords = self._coords()
        for name, values in spec.axes.items():
            if not np.array_equal(coords[name], values):
                raise StoreMismatchError(self._mismatch(
                    f"grid axis {name}", _describe_axis(coords[name]), _describe_axis(values)))
        if block is not None and tuple(block) != stored_block:
            raise StoreMismatchError(self._mismatch("chunk shape", stored_block, tuple(block)))
        return stored_block

    def _mismatch(self, what, stored, given) -> str:
        if isinstance(stored, dict):
            keys = sorted(set(stored) | set(given))
            diff = [k for k in keys if stored.get(k, "-") != given.get(k, "-")]
            stored = ", ".join(f"{k}={stored.get(k, '-')}" for k in diff)
            given = ", ".join(f"{k}={given.get(k, '-')}" for k in diff)
        return (f"{self.path} holds a different sweep ({what}: store {stored}, given "
                f"{given}); use the store's settings, or --overwrite to start again")

    def _coords(self) -> dict:
        import zarr

        g = zarr.open_group(str(self.path), mode="r")
        return {name: np.asarray(g[name][:]) for name in self.attrs["grid_axes"]}

    # ------------------------------------------------------------ chunks
    def done_regions(self, regions: list) -> np.ndarray:
        """For each region (tuple of slices), whether every point in it is done.

        Read chunk by chunk: a damaged flag chunk makes its own chunk not done (it is
        computed again, and :meth:`verify` reports it), not the whole store unreadable.
        """
        import zarr

        arr = zarr.open_array(str(self.path / "done"), mode="r")
        out = np.zeros(len(regions), dtype=bool)
        for i, region in enumerate(regions):
            try:
                out[i] = bool(np.all(arr[region]))
            except Exception:
                out[i] = False
        return out

    def verify(self, regions: list, finished) -> dict:
        """Read every stored chunk; ``{index: reason}`` of the regions that are damaged.

        Damaged: a chunk of a ``finished`` region that does not read back (checksum or
        decompression error) or whose file is missing (in a store that writes every
        chunk), or a region whose ``done`` flags themselves do not read back.
        """
        import zarr

        every_chunk_written = self.attrs.get("chunk_checksums") == "crc32c"
        damaged = {}
        def open_array(name):
            # an array whose metadata is damaged or gone cannot be checked chunk by chunk:
            # the store is refused as a whole, in one line
            try:
                return zarr.open_array(str(self.path / name), mode="r")
            except Exception as exc:
                raise SweepError(f"{self.path}: the array {name!r} cannot be opened "
                                 f"({type(exc).__name__}: {exc}); the store is damaged: "
                                 "start again with --overwrite") from None

        flags = open_array("done")
        manifest = {}  # chunk -> {output: CRC-32 written with it}
        if self.attrs.get("chunk_manifest") == MANIFEST:
            rows = open_array(MANIFEST)
            outputs = self._outputs()
            for i in np.nonzero(np.asarray(finished))[0]:
                try:
                    manifest[int(i)] = dict(zip(outputs, (int(c) for c in rows[int(i)])))
                except Exception as exc:
                    damaged[int(i)] = f"{MANIFEST} row {i}: {_reason(exc)}"
        for i, region in enumerate(regions):
            if finished[i]:
                continue
            key = "/".join(str(r.start // c) for r, c in zip(region, flags.chunks))
            if (self.path / "done" / "c" / key).is_file():
                try:
                    flags[region]
                except Exception as exc:
                    damaged[i] = f"done chunk {key}: {_reason(exc)}"
        for name in self.attrs["variables"]:
            arr = open_array(name)
            for i in np.nonzero(np.asarray(finished))[0]:
                if i in damaged:
                    continue
                region = regions[i]
                key = "/".join(str(r.start // c) for r, c in zip(region, arr.chunks))
                if every_chunk_written and not (self.path / name / "c" / key).is_file():
                    damaged[i] = f"{name} chunk {key} is missing"
                    continue
                try:
                    values = arr[region]
                except Exception as exc:
                    damaged[i] = f"{name} chunk {key}: {_reason(exc)}"
                    continue
                expected = manifest.get(i, {}).get(name, 0)
                if expected and _crc(values) != expected:
                    damaged[i] = (f"{name} chunk {key} holds another chunk's values (its "
                                  "CRC-32 is not this position's)")
        return dict(sorted(damaged.items()))

    def _outputs(self) -> list:
        return [v for v in self.attrs["variables"] if v != "done"]

    def _stored_dtypes(self) -> dict:
        import zarr

        if self._dtypes is None:
            self._dtypes = {name: zarr.open_array(str(self.path / name), mode="r").dtype
                            for name in self._outputs()}
        return self._dtypes

    def _chunk_index(self, region: tuple) -> int:
        """The chunk's row in the manifest: its block's position, in C order."""
        import zarr

        if self._block_grid is None:
            shape = zarr.open_array(str(self.path / "done"), mode="r").shape
            block = [int(b) for b in self.attrs["chunk_shape"]]
            self._block_grid = (block, [-(-n // b) for n, b in zip(shape, block)])
        block, grid = self._block_grid
        return int(np.ravel_multi_index([r.start // b for r, b in zip(region, block)], grid))

    def clear(self, region: tuple) -> None:
        """Mark one chunk as not done (it will be computed again)."""
        import zarr

        arr = zarr.open_array(str(self.path / "done"), mode="r+")
        arr[region] = np.zeros(tuple(r.stop - r.start for r in region), dtype=bool)

    def write(self, dims: tuple, region: tuple, values: dict) -> None:
        """Write one chunk's ``values`` at ``region``, then its ``done`` flags."""
        import xarray as xr

        where = dict(zip(dims, region))
        data = xr.Dataset({k: (dims, v) for k, v in values.items()})
        data.to_zarr(str(self.path), region=where, consolidated=False,
                     write_empty_chunks=True)
        if self.attrs.get("chunk_manifest") == MANIFEST:
            import zarr

            # the CRC of the values as stored (the array's own dtype), as verify reads them
            dtypes = self._stored_dtypes()
            row = [_crc(np.asarray(values[name], dtype=dtypes[name]))
                   for name in self._outputs()]
            zarr.open_array(str(self.path / MANIFEST), mode="r+")[
                self._chunk_index(region)] = np.array(row, dtype="uint32")
        shape = next(iter(values.values())).shape
        flags = xr.Dataset({"done": (dims, np.ones(shape, dtype=bool))})
        flags.to_zarr(str(self.path), region=where, consolidated=False,
                      write_empty_chunks=True)

    def dataset(self):
        """The stored dataset (lazy, dask-backed; ``.load()`` reads it)."""
        import xarray as xr

        ds = xr.open_zarr(str(self.path), consolidated=False)
        return ds[list(self.attrs["variables"])]


def _crc(values) -> int:
    """CRC-32 of an array's values (its bytes, C order), never 0 (0 marks "none")."""
    a = np.ascontiguousarray(np.asarray(values))
    if a.dtype.kind in "TO":  # text: its characters (the array's bytes are pointers)
        raw = "\x00".join(map(str, a.ravel().tolist())).encode("utf-8")
    else:
        raw = a.tobytes()
    return (zlib.crc32(raw) or 1) & 0xFFFFFFFF


def _reason(exc: Exception) -> str:
    """A short description of why a chunk did not read back."""
    text = str(exc).strip()
    if "checksum" in text.lower():
        return "checksum does not match"
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 80 else first[:77] + "..."


def _describe_axis(values) -> str:
    v = np.asarray(values)
    return f"{v.size} values {v.min():g}..{v.max():g}" if v.size else "no values"


def _is_zarr(path: Path) -> bool:
    return path.is_dir() and ((path / "zarr.json").exists() or (path / ".zgroup").exists())


def _remove(path: Path) -> None:
    """Remove an old store (``overwrite``) after checking it looks like one."""
    if not _is_zarr(path):
        raise StoreExistsError(f"{path} exists and is not a Zarr store: not overwritten")
    shutil.rmtree(path)
