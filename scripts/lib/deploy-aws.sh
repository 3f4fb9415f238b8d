# shellcheck shell=bash
# Sourced by scripts/check-deploy when MAMBOGO_DEPLOY_TARGET=aws: the deploy proven in the
# real account of your AWS credentials instead of the emulator. Never run by CI.
#
# Applies infra/terraform itself (your state, your terraform.tfvars, the zips of
# scripts/package-lambdas); terraform shows the plan and asks before changing anything.
# Then, if TOKEN holds the ID token of a user in the admin group (README "Users and
# tokens") and the secrets are set (README "Set the secrets"), checks out through the
# deployed API as the README does, and fails unless the order ends CONFIRMED. Nothing is
# destroyed: see the README's "Destroy".

deploy_to_aws() {
  local module=infra/terraform start
  command -v terraform >/dev/null 2>&1 || { echo "MAMBOGO_DEPLOY_TARGET=aws needs the terraform CLI" >&2; return 1; }

  echo "==> terraform apply to the account of your AWS credentials"
  start=$(date +%s)
  terraform -chdir="$module" init -input=false >/dev/null
  terraform -chdir="$module" apply
  elapsed apply "$start"

  if [[ -z "${TOKEN:-}" ]]; then
    echo "Deployed. To check out through it, set the secrets and TOKEN (infra/terraform/README.md), then run again."
    return 0
  fi
  echo "==> the README's checkout through the deployed API"
  start=$(date +%s)
  checkout_through "$(terraform -chdir="$module" output -raw api_url)"
  elapsed checkout "$start"
}

# Reads field $1 of the JSON object on stdin.
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# A category, a product with stock, two in the cart, checkout with tok_approve; then
# waits (2 minutes at most) for the saga to move the order on from PENDING.
checkout_through() {
  local api="$1" sku order status=PENDING deadline
  local auth=(-H "authorization: Bearer $TOKEN" -H 'content-type: application/json')
  sku="CHECK-$(date +%s)" # a new product every run
  curl -fsS "${auth[@]}" -X PUT "$api/admin/categories/audio" -d '{"name":"Audio"}' >/dev/null
  curl -fsS "${auth[@]}" -X POST "$api/admin/products" -d '{
    "name": "Deploy check speaker", "brand": "Mambogo", "categoryId": "audio",
    "variants": [{"sku": "'"$sku"'", "name": "Black", "price": {"amount": 4999, "currency": "USD"}}]}' >/dev/null
  curl -fsS "${auth[@]}" -X PUT "$api/admin/inventory/$sku" -d '{"onHand": 10}' >/dev/null
  curl -fsS "${auth[@]}" -d '{"sku":"'"$sku"'","quantity":2}' "$api/cart/items" >/dev/null
  order="$(curl -fsS "${auth[@]}" -H "idempotency-key: deploy-check-$sku" \
    -d '{"paymentToken":"tok_approve","shippingAddress":{"name":"Deploy Check","line1":"1 Market St","city":"San Francisco","postalCode":"94105","country":"US"}}' \
    "$api/checkout" | json_field orderId)"
  echo "order $order placed"

  deadline=$((SECONDS + 120))
  while [[ "$status" == PENDING ]] && ((SECONDS < deadline)); do
    sleep 2
    status="$(curl -fsS "${auth[@]}" "$api/orders/$order" | json_field status)"
  done
  curl -fsS "${auth[@]}" "$api/admin/executions/$order"
  echo
  if [[ "$status" != CONFIRMED ]]; then
    echo "order $order is $status, not CONFIRMED (its saga's steps are above)" >&2
    return 1
  fi
  echo "order $order CONFIRMED"
}
