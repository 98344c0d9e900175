"""The Textual user interface: the only package that imports ``textual``.

It receives an ``InboxService`` and a ``Keymap`` by constructor injection
(``InboxApp(service, keymap)``) and never touches the store or a connector.
"""
