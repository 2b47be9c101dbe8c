"""The album menu's "Export finals to folder…" and "Save finals as zip…": the studio's copy of
an album's finals (every preset, each in a folder of its name when there are several), written
off the window's thread with the same zip writer the portal streams to clients."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from core.delivery_zip import FinalsZip, export_folder, studio_members
from core.errors import Invalid
from core.services.albums import AlbumSummary

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class FinalsExport:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: QFileDialog | None = None

    def ask_folder(self, album: AlbumSummary) -> QFileDialog:
        dialog = QFileDialog(self.window, f"Export the finals of {album.name} to")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda path: self.to_folder(album, Path(path)))
        return self._open(dialog)

    def ask_zip(self, album: AlbumSummary) -> QFileDialog:
        dialog = QFileDialog(self.window, f"Save the finals of {album.name} as")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Zip archives (*.zip)")
        dialog.setDefaultSuffix("zip")
        dialog.selectFile(f"{album.name}.zip")
        dialog.fileSelected.connect(lambda path: self.to_zip(album, Path(path)))
        return self._open(dialog)

    def _open(self, dialog: QFileDialog) -> QFileDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def to_folder(self, album: AlbumSummary, folder: Path) -> asyncio.Task[object]:
        async def work() -> str:
            members = await self._members(album)
            written = await asyncio.to_thread(export_folder, members, folder)
            return f"Copied {len(written)} finals of {album.name} into {folder}."

        return self._run(work(), f"Exporting the finals of {album.name}")

    def to_zip(self, album: AlbumSummary, path: Path) -> asyncio.Task[object]:
        async def work() -> str:
            members = await self._members(album)
            await asyncio.to_thread(FinalsZip(members).save, path)
            return f"Saved {len(members)} finals of {album.name} as {path.name}."

        return self._run(work(), f"Zipping the finals of {album.name}")

    async def _members(self, album: AlbumSummary) -> list:
        studio = self.window.studio
        finals = await studio.services.delivery.finals(studio.actor, album.id)
        if not finals:
            raise Invalid(f"{album.name} has no finals yet; they are made when it moves to Final.")
        return studio_members(finals)

    def _run(self, work: object, label: str) -> asyncio.Task[object]:
        w = self.window
        return w.studio.jobs.run(
            work,  # type: ignore[arg-type]
            w.say,
            lambda text, _: w.complain(text),
            label=label,
        )
