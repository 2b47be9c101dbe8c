"""First run: create a studio and its admin, open an existing home, or make a demo studio."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.home import Home
from core.services import Services
from ui.async_bridge import Jobs
from ui.demo_studio import create_demo_studio

OpenHome = Callable[[Home], Awaitable[Services]]
CloseHome = Callable[[Services], Awaitable[None]]


class FirstRunWizard(QDialog):
    """Emits `ready(home, services, email)` once a studio is there to work in."""

    ready = Signal(object, object, str)

    def __init__(
        self, home: Home, open_home: OpenHome, close_home: CloseHome, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.home = home
        self.open_home = open_home
        self.close_home = close_home
        self.jobs = Jobs(self)
        self.setWindowTitle("Welcome to PhotoFlow")
        self.create = QRadioButton("Create my studio", self)
        self.existing = QRadioButton("Open an existing PhotoFlow home", self)
        self.demo = QRadioButton("Try a demo studio with sample photos", self)
        self.create.setChecked(True)
        group = QButtonGroup(self)
        for b in (self.create, self.existing, self.demo):
            group.addButton(b)
        self.studio_name = QLineEdit(self)
        self.admin_email = QLineEdit(self)
        self.admin_name = QLineEdit(self)
        self.home_path = QLineEdit(self)
        browse = QPushButton("Choose…", self)
        self.go = QPushButton("Start", self)
        self.status = QLabel(f"PhotoFlow keeps its catalog in {home.root}.", self)
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.create)
        form.addRow("Studio name", self.studio_name)
        form.addRow("Your e-mail", self.admin_email)
        form.addRow("Your name", self.admin_name)
        form.addRow(self.existing)
        row = QHBoxLayout()
        row.addWidget(self.home_path, 1)
        row.addWidget(browse)
        form.addRow("Home folder", row)
        form.addRow(self.demo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.go)
        browse.clicked.connect(self._browse)
        self.go.clicked.connect(self.start)

    def _browse(self) -> None:
        picker = QFileDialog(self, "PhotoFlow home")
        picker.setFileMode(QFileDialog.FileMode.Directory)
        picker.fileSelected.connect(self.home_path.setText)
        picker.open()

    def start(self) -> None:
        self.go.setEnabled(False)
        self.status.setText("Setting up…")
        self.jobs.run(self._set_up(), lambda _: None, self._failed, label="Setting up")

    async def _set_up(self) -> None:
        if self.existing.isChecked():
            home = Home(Path(self.home_path.text().strip()).expanduser())
            if not home.is_initialised:
                raise ValueError(f"{home.root} is not a PhotoFlow home.")
            services = await self.open_home(home)
            email = ""  # the desktop works out who acts in an existing home (app.bootstrap)
        else:
            home = self.home
            services = await self.open_home(home)
            try:
                if self.demo.isChecked():
                    email = await create_demo_studio(services, home)
                else:
                    admin = await services.tenants.initialise(
                        self.studio_name.text(), self.admin_email.text(), self.admin_name.text()
                    )
                    email = admin.email
                    config = home.read_config()
                    config["default_user"] = email
                    home.write_config(config)
            except BaseException:
                await self.close_home(services)
                raise
        self.ready.emit(home, services, email)
        self.accept()

    def _failed(self, text: str, exc: BaseException) -> None:
        self.go.setEnabled(True)
        self.status.setText(str(exc) if isinstance(exc, ValueError) else text)
