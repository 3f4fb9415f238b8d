# shellcheck shell=bash
# Sourced (from the repository root) by scripts/check-terraform and scripts/check-deploy:
# Terraform offline, on a throwaway copy of infra/terraform, so that .terraform/, the
# lock file and state never land in the repository.
#
# Environment: TF_PLUGIN_MIRROR (default /opt/tf-plugins) is a filesystem mirror holding
# registry.terraform.io/hashicorp/aws/<version>/<os_arch>/.

tf_mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"

# Prints how long the step named $1 took since $2 (seconds since the epoch).
elapsed() { echo "    ($1: $(($(date +%s) - $2))s)"; }

# Fills the array tf_missing with what terraform needs here and is missing.
find_missing_terraform() {
  # shellcheck disable=SC2034 # read by the sourcing script
  tf_missing=()
  command -v terraform >/dev/null 2>&1 || tf_missing+=("the terraform CLI (not on PATH)")
  [[ -d "$tf_mirror/registry.terraform.io/hashicorp/aws" ]] ||
    tf_missing+=("the AWS provider mirror ($tf_mirror/registry.terraform.io/hashicorp/aws; set TF_PLUGIN_MIRROR)")
}

# Says loudly that $1 is skipped, and why (tf_missing); $2 says what runs instead.
warn_skipped() {
  echo "**********************************************************************"
  echo "WARNING: $1 SKIPPED. Missing:"
  for thing in "${tf_missing[@]}"; do echo "  - $thing"; done
  echo "$2"
  echo "**********************************************************************"
}

# Makes terraform take providers from the mirror only (never the network), with a CLI
# config of its own in directory $1: the environment's TF_CLI_CONFIG_FILE may point at
# a file that does not exist.
use_mirror_only() {
  export TF_CLI_CONFIG_FILE="$1/terraformrc"
  cat >"$TF_CLI_CONFIG_FILE" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$tf_mirror"
    include = ["registry.terraform.io/*/*"]
  }
}
CONFIG
  export TF_IN_AUTOMATION=1 TF_INPUT=0
  unset TF_WORKSPACE
}

# Copies the module and the definition files it reads (relative to itself, ../../…)
# into $1/repo, and each override file named after it from infra/terraform/ci/ into the
# copy without its .ci suffix. Sets tf_module to the copy's module directory.
copy_module() {
  local copy="$1/repo" override
  shift
  mkdir -p "$copy/infra" "$copy/functions" "$copy/events"
  cp functions/manifest.json "$copy/functions/"
  cp -R api statemachines web "$copy/"
  cp -R events/rules "$copy/events/"
  cp -R infra/terraform "$copy/infra/terraform"
  rm -rf "$copy/infra/terraform/.terraform" "$copy/infra/terraform/.terraform.lock.hcl" \
    "$copy/infra/terraform/"*.tfstate* "$copy/infra/terraform/terraform.tfvars"
  for override in "$@"; do
    cp "infra/terraform/ci/$override" "$copy/infra/terraform/${override%.ci}"
  done
  # shellcheck disable=SC2034 # read by the sourcing script
  tf_module="$copy/infra/terraform"
}

# Fills directory $1 with a zip per manifest function: the real one from dist/lambda
# when it was packaged, else a tiny placeholder (terraform only hashes and uploads it).
stage_artifacts() {
  mkdir -p "$1"
  python3 - "$1" <<'PYTHON'
import json, pathlib, shutil, sys, zipfile

artifacts = pathlib.Path(sys.argv[1])
functions = json.loads(pathlib.Path("functions/manifest.json").read_text())["functions"]
for name in functions:
    built = pathlib.Path("dist/lambda") / f"{name}.zip"
    target = artifacts / f"{name}.zip"
    if built.is_file():
        shutil.copyfile(built, target)
    else:
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("bootstrap", "placeholder: not a real build\n")
PYTHON
}

# terraform init in the current directory from the mirror; its log is shown on failure.
init_from_mirror() {
  local log
  log="$(mktemp)"
  terraform init -backend=false -input=false -no-color -plugin-dir="$tf_mirror" >"$log" ||
    { cat "$log"; rm -f "$log"; return 1; }
  rm -f "$log"
}

# Prints the diagnostics of the terraform run logged in $1: they come last, after the
# (long) planned changes.
show_diagnostics() {
  if grep -q '^Error: ' "$1"; then
    sed -n '/^Error: /,$p' "$1"
  else
    tail -n 60 "$1"
  fi
}
