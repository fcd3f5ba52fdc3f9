# The two commands of the README. Both set up everything they need and are safe to repeat.
.PHONY: run test stop plugin
run:
	@scripts/dev.sh run
test:
	@scripts/dev.sh test $(ARGS)
# Stop the embedded PostgreSQL left running by earlier commands.
stop:
	@.venv/bin/python -m igny8.embedded_db stop
# The WordPress plugin as the zip WordPress installs: dist/igny8-bridge.zip (no Django needed).
plugin:
	@$(shell [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3) -m apps.publisher.plugin_zip dist/igny8-bridge.zip
