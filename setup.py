"""Only here to put ``resources/`` into the wheel: everything else is in pyproject.toml.

``resources/`` lives beside the package (the source checkout and the PyInstaller build find it
there); a wheel has no "beside", so the build copies it to ``glmtts_desktop/_resources``, where
``glmtts_desktop.resources.resources_root`` looks when the checkout's folder is absent.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        src = Path(__file__).resolve().parent / "resources"
        if src.is_dir():
            shutil.copytree(src, Path(self.build_lib) / "glmtts_desktop" / "_resources", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithResources})
