# The two commands of the README. Both set up everything they need and are safe to repeat.
.PHONY: run test stop
run:
	@scripts/dev.sh run
test:
	@scripts/dev.sh test $(ARGS)
# Stop the embedded PostgreSQL left running by earlier commands.
stop:
	@.venv/bin/python -m igny8.embedded_db stop
