//! A trace as a simulator without lineage annotations would write it: no `derive` events, no
//! `parents`, ids dense again, and the goal restated on the events that remain (each derived
//! fact's goal event becomes the input event whose handler derived it).

use std::collections::BTreeMap;

use faultline_trace::{EventKind, Goal, LineageDecl, Trace};

/// `trace` without `derive` events and `parents`.
pub fn annotations(trace: &Trace) -> Result<Trace, String> {
    let mut new_id: BTreeMap<u64, u64> = BTreeMap::new();
    let mut out = Trace::new(trace.header.clone());
    out.header.lineage = Some(LineageDecl::HappensBefore);
    for event in &trace.events {
        if event.kind == EventKind::Derive {
            continue;
        }
        let mut event = event.clone();
        new_id.insert(event.id, out.events.len() as u64);
        event.id = out.events.len() as u64;
        event.parents.clear();
        out.push(event);
    }
    if let Some(goal) = &trace.header.goal {
        let restate = |id: &u64| -> Result<u64, String> {
            let trigger = input_of(trace, *id)?;
            new_id
                .get(&trigger)
                .copied()
                .ok_or_else(|| format!("goal event {id}: its input {trigger} was stripped"))
        };
        let mut all_of = goal
            .all_of
            .iter()
            .map(restate)
            .collect::<Result<Vec<_>, _>>()?;
        all_of.sort_unstable();
        all_of.dedup();
        let any_of = goal
            .any_of
            .iter()
            .map(|group| group.iter().map(restate).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()?;
        let exempt_if_crashed = match &goal.exempt_if_crashed {
            Some(exempt) => Some(
                exempt
                    .iter()
                    .map(|(id, node)| Ok((restate(id)?, node.clone())))
                    .collect::<Result<_, String>>()?,
            ),
            None => None,
        };
        out.header.goal = Some(Goal {
            all_of,
            any_of,
            scope: goal.scope,
            exempt_if_crashed,
        });
    }
    Ok(out)
}

/// The input event (delivery, timer, start) whose handler produced event `id`: the event itself
/// unless it is a derive, else its latest parent at the same node that is not a derive.
fn input_of(trace: &Trace, id: u64) -> Result<u64, String> {
    let event = trace.event(id).ok_or(format!("no event {id}"))?;
    if event.kind != EventKind::Derive {
        return Ok(id);
    }
    event
        .parents
        .iter()
        .rev()
        .copied()
        .find(|&parent| {
            trace
                .event(parent)
                .is_some_and(|p| p.kind != EventKind::Derive && p.actor() == event.actor())
        })
        .ok_or(format!("derive {id} has no input event among its parents"))
}
