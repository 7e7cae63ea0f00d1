"""Entry point of the bundled executable: `salondesk` with no arguments starts the GUI."""

from salondesk.cli import main

if __name__ == "__main__":
    main()
