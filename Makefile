# The one entry point. Every target installs what it needs and is idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT   := $(CURDIR)
CACHE  := $(ROOT)/.cache
STAMPS := $(CACHE)/stamps
VENV   := $(ROOT)/.venv
ANSIBLE_BUNDLE := 12.3.0

export CONTAINERS_CONF := $(ROOT)/containers.conf
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/collections:$(CACHE)/collections
export ANSIBLE_ROLES_PATH := $(ROOT)/roles
export PATH := $(VENV)/bin:$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

SCENARIOS := $(sort $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

.PHONY: help deps image kernel-guest lint unit molecule test check-inventory lab lab-destroy leases build clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

deps: $(STAMPS)/apt $(STAMPS)/venv $(STAMPS)/podman-collection ## Install apt packages, the venv and containers.podman
	@# Each systemd container takes inotify instances; Debian's 128 runs out near 20 containers.
	@[ "$$(sysctl -n fs.inotify.max_user_instances)" -ge 1024 ] || sysctl -q -w fs.inotify.max_user_instances=1024

$(STAMPS)/apt: apt-packages.txt
	@mkdir -p $(STAMPS)
	@missing=$$(grep -v '^#' apt-packages.txt | xargs -n1 | while read -r p; do dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'ok installed' || echo "$$p"; done); \
	if [ -n "$$missing" ]; then echo "deps: apt-get install $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@touch $@

$(STAMPS)/venv: requirements.txt $(STAMPS)/apt
	@echo "deps: python venv from requirements.txt"
	@test -x $(VENV)/bin/python || /usr/bin/python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

# containers.podman comes out of the PyPI `ansible` bundle: Galaxy is not reachable here.
$(STAMPS)/podman-collection: $(STAMPS)/venv
	@echo "deps: containers.podman from the ansible $(ANSIBLE_BUNDLE) wheel"
	@rm -rf $(CACHE)/wheel && mkdir -p $(CACHE)/wheel $(CACHE)/collections
	@$(VENV)/bin/pip download -q --disable-pip-version-check --no-deps -d $(CACHE)/wheel ansible==$(ANSIBLE_BUNDLE)
	@rm -rf $(CACHE)/collections/ansible_collections/containers
	@unzip -q -o $(CACHE)/wheel/ansible-$(ANSIBLE_BUNDLE)-*.whl 'ansible_collections/containers/podman/*' -d $(CACHE)/collections
	@rm -rf $(CACHE)/wheel
	@touch $@

image: deps ## Build the systemd base and node images (cached by recipe hash)
	@flock /tmp/v6only-image.lock bash images/build.sh

kernel-guest: ## Build the qemu guest with Debian's kernel and Jool (cached by recipe hash)
	@bash scripts/kernel-guest.sh build

lint: deps ## yamllint, ansible-lint (production profile) and the defaults/argument_specs check
	yamllint -s .
	ansible-lint --profile production --offline -q
	python scripts/check_argument_specs.py
	bash scripts/sanity.sh

unit: deps ## pytest for plugins
	python -m pytest -q tests/unit

check-inventory: deps ## Validate an inventory's customer model (INV=inventories/lab)
	ansible-playbook -i $(or $(INV),inventories/lab) playbooks/validate.yml

molecule: deps image kernel-guest ## Every Molecule scenario, or one with S=name
	@set -e; for s in $(or $(S),$(SCENARIOS)); do bash scripts/molecule.sh "$$s"; done

test: lint unit check-inventory molecule ## Everything CI runs

lab: deps image ## Build the podman lab, run site.yml, print the end-to-end matrix
	bash scripts/lab.sh up

lab-destroy: ## Remove every container and network the lab made
	bash scripts/lab.sh down

leases: deps ## IPv4 lending report: tenants per address, draining leases, what each protocol would free (INV=inventories/lab)
	ansible-playbook -i $(or $(INV),inventories/lab) playbooks/leases.yml

build: deps ## Build the collection tarball
	ansible-galaxy collection build --force --output-path $(CACHE)
