//! An order's timeline for operators: its four sources read at once and merged
//! ([`crate::domain::orders::timeline`]).

use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::ids::OrderId;
use crate::domain::orders::{timeline, TimelineEntry};

/// Everything that happened to the order `id`, oldest first; [`ShopError::NotFound`] if
/// there is no such order.
pub async fn order_timeline(
    services: &Services,
    id: &OrderId,
) -> Result<Vec<TimelineEntry>, ShopError> {
    let execution_name = id.to_string();
    let (order, execution, payment, journal) = futures::try_join!(
        async { Ok::<_, ShopError>(services.orders.order(id).await?) },
        async { Ok(services.workflow.describe(&execution_name).await?) },
        async { Ok(services.payments.payment(id).await?) },
        async { Ok(services.journal.entries(id).await?) },
    )?;
    let order = order.ok_or(ShopError::NotFound(*id))?;
    Ok(timeline(
        &order,
        execution.as_ref(),
        payment.as_ref(),
        &journal,
    ))
}
