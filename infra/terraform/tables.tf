# DynamoDB tables, with the key schemas, indexes and TTL attributes that the adapters in
# shared/src/adapters/dynamodb expect (documented in that module and in README.md).

locals {
  table_definitions = merge(
    {
      # Products, SKU claims and categories. by_kind lists products and categories
      # (only they carry `kind`).
      catalog = {
        hash_key   = "pk"
        range_key  = "sk"
        attributes = { pk = "S", sk = "S", kind = "S" }
        indexes    = { by_kind = { hash_key = "kind", range_key = "pk" } }
        ttl        = null
        stream     = false
      }
      carts = {
        hash_key   = "pk"
        range_key  = null
        attributes = { pk = "S" }
        indexes    = {}
        ttl        = "expires_at"
        stream     = false
      }
      # Stock levels and reservations. pending_by_expiry is sparse: only PENDING
      # reservations carry `pending`, so the sweeper reads exactly the expired ones.
      #
      # No TTL here, on purpose: a reservation's `expires_at` is when its stock must go
      # back on sale. The sweeper or the saga releases it (moving units from `reserved`
      # back to `available`); a TTL would delete the reservation item and leave the
      # units reserved forever, and a retried reserve must still find it.
      inventory = {
        hash_key   = "pk"
        range_key  = "sk"
        attributes = { pk = "S", sk = "S", pending = "S", expires_at = "N" }
        indexes    = { pending_by_expiry = { hash_key = "pending", range_key = "expires_at" } }
        ttl        = null
        stream     = false
      }
      # Orders; by_user lists a user's orders by age ("my orders"), by_status the orders
      # in one status by age (the operators' queues).
      orders = {
        hash_key   = "pk"
        range_key  = null
        attributes = { pk = "S", user_id = "S", status = "S", created_at = "N" }
        indexes = {
          by_user   = { hash_key = "user_id", range_key = "created_at" }
          by_status = { hash_key = "status", range_key = "created_at" }
        }
        ttl    = null
        stream = false
      }
      # Payments and applied gateway events (events expire after 30 days). by_status is
      # sparse: only payment items carry `status`; reconciliation lists them by it.
      payments = {
        hash_key   = "pk"
        range_key  = null
        attributes = { pk = "S", status = "S", updated_at = "N" }
        indexes    = { by_status = { hash_key = "status", range_key = "updated_at" } }
        ttl        = "expires_at"
        stream     = false
      }
      # Idempotency keys and handled events.
      idempotency = {
        hash_key   = "pk"
        range_key  = null
        attributes = { pk = "S" }
        indexes    = {}
        ttl        = "expires_at"
        stream     = false
      }
      # Notifications with their NOTIFIED# guards (kept) and the sweeper's reports
      # (expire after 30 days).
      operations = {
        hash_key   = "pk"
        range_key  = "sk"
        attributes = { pk = "S", sk = "S" }
        indexes    = {}
        ttl        = "expires_at"
        stream     = false
      }
      # Orders' journals: each event about an order and each consumer's outcome with it,
      # under ORDER#<id> (sk the entry's key), for the order's timeline; expire 90 days on.
      journal = {
        hash_key   = "pk"
        range_key  = "sk"
        attributes = { pk = "S", sk = "S" }
        indexes    = {}
        ttl        = "expires_at"
        stream     = false
      }
      # Flash sales and their tickets (one per buyer per sale, each its own partition).
      # queue is sparse, overloaded and sharded 16 ways per sale and status: waiting
      # tickets by queue key (WAITING#<sale>#<shard>), admitted ones by token expiry
      # (ADMITTED#<sale>#<shard>); expired tickets carry neither attribute. Kept, no TTL.
      "flash-sales" = {
        hash_key   = "pk"
        range_key  = "sk"
        attributes = { pk = "S", sk = "S", queue_pk = "S", queue_sk = "N" }
        indexes    = { queue = { hash_key = "queue_pk", range_key = "queue_sk" } }
        ttl        = null
        stream     = false
      }
      # Coupons, each with its shoppers' counts and its redemptions under COUPON#<code>
      # (sk COUPON, USER#<user>, ORDER#<order>), kept.
      coupons = {
        hash_key   = "pk"
        range_key  = "sk"
        attributes = { pk = "S", sk = "S" }
        indexes    = {}
        ttl        = null
        stream     = false
      }
      # Reviews (REVIEW#<id>), each author's claim and each product's rating counters
      # under PRODUCT#<id> (sk USER#<user>, RATING), kept. newest and best are sparse:
      # only shown reviews carry listed_product; ratings lists the rating items.
      reviews = {
        hash_key  = "pk"
        range_key = "sk"
        attributes = {
          pk = "S", sk = "S", listed_product = "S", newest_key = "S", rating_key = "S", kind = "S"
        }
        indexes = {
          newest  = { hash_key = "listed_product", range_key = "newest_key" }
          best    = { hash_key = "listed_product", range_key = "rating_key" }
          ratings = { hash_key = "kind", range_key = "pk" }
        }
        ttl    = null
        stream = false
      }
      # Shoppers' address books, one item per shopper (USER#<id>), kept.
      "address-books" = {
        hash_key   = "pk"
        range_key  = null
        attributes = { pk = "S" }
        indexes    = {}
        ttl        = null
        stream     = false
      }
    },
    # The mock payment gateway's ledger: its NEW_IMAGE stream feeds the function that
    # sends the mock's webhooks.
    {
      for name, table in {
        "mock-ledger" = {
          hash_key   = "pk"
          range_key  = null
          attributes = { pk = "S" }
          indexes    = {}
          ttl        = null
          stream     = true
        }
      } : name => table if var.deploy_mock_gateway
    },
  )
}

resource "aws_dynamodb_table" "this" {
  for_each = local.table_definitions

  name                        = "${local.prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  range_key                   = each.value.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = each.value.attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.indexes
    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  dynamic "ttl" {
    for_each = each.value.ttl == null ? [] : [each.value.ttl]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  stream_enabled   = each.value.stream
  stream_view_type = each.value.stream ? "NEW_IMAGE" : null

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }
}
