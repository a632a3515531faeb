"""What every route needs: the wired services of this process."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from liaison.bootstrap import Container

__all__ = ["Wired"]


def _container(request: Request) -> Container:
    container: Container = request.app.state.liaison
    return container


Wired = Annotated[Container, Depends(_container)]
