"""The web console for people at the school: server-rendered pages, assets shipped in the package.

``gateway.console.mount.mount_console`` adds it to the gateway's app; see docs/console.md.
"""
