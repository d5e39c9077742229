# The two commands of the README:
#   make demo   install what is needed, build, run the service with a private broker and a simulated fleet
#   make test   build and run every test (unit and integration, against real mosquitto and SQLite,
#               and the dashboard's browser tests in a headless chromium)
.PHONY: demo test deps build release bench report-bench store-bench clean

deps:
	scripts/install-deps.sh

build:
	swift build

release:
	swift build -c release

test: deps
	swift build --build-tests
	swift test --no-parallel
	scripts/browser-tests.sh
	scripts/fuzz.sh ci 50000
	scripts/soak.sh 2

demo: deps release
	scripts/demo.sh

bench: deps release
	.build/release/ingest-bench

report-bench: deps release
	.build/release/report-bench

store-bench: deps release
	.build/release/store-bench

clean:
	rm -rf .build var
