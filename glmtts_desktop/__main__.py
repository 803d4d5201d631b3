from glmtts_desktop.cli import main

raise SystemExit(main())
