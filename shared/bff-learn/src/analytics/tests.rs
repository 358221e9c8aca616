use super::*;
use crate::rollup::DailyCategoryCoverage;

fn av(c: &str, v: &str) -> AttributeValue {
    AttributeValue::new(c, v)
}

fn totals(day: &str, picks: u32) -> DailyTotals {
    DailyTotals {
        day: day.into(),
        picks,
        ..Default::default()
    }
}

fn attr(day: &str, c: &str, v: &str, picks: u32) -> DailyAttribute {
    DailyAttribute {
        day: day.into(),
        attribute: av(c, v),
        picks,
        ratings: 0,
        rating_sum: 0.0,
        likes: 0,
        dislikes: 0,
        standouts: 0,
    }
}

fn success(
    c: &str,
    v: &str,
    ratings: u32,
    rating_sum: f64,
    likes: u32,
    dislikes: u32,
    standouts: u32,
) -> AttributeSuccess {
    AttributeSuccess {
        attribute: av(c, v),
        ratings,
        rating_sum,
        likes,
        dislikes,
        standouts,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn style_evolution_shares_by_hand() {
    // Today is Wednesday 2024-11-20; the window starts 89 days earlier, on 2024-08-23.
    let today = "2024-11-20";
    let t = [
        totals("2024-08-22", 9), // one day before the window: ignored
        totals("2024-08-23", 2), // first day of the window, week of Monday 2024-08-19
        totals("2024-09-10", 3), // week of 2024-09-09
        totals("2024-09-12", 1), // same week
        totals("2024-10-01", 0), // a week with no picks: omitted
        totals("2024-11-20", 5), // today
        totals("2024-11-21", 7), // tomorrow: ignored
    ];
    let a = [
        attr("2024-08-22", "fabric", "silk", 9),
        attr("2024-08-23", "fabric", "linen", 2),
        attr("2024-09-10", "fabric", "linen", 1),
        attr("2024-09-10", "fabric", "silk", 2),
        attr("2024-09-12", "fabric", "silk", 1),
        attr("2024-09-12", "colour", "red", 1),
        attr("2024-11-20", "fabric", "linen", 5),
        attr("2024-11-20", "colour", "red", 0),
    ];
    let weeks = style_evolution(&t, &a, today);
    type Week<'a> = (&'a str, u32, Vec<(&'a str, u32, f64)>);
    let got: Vec<Week> = weeks
        .iter()
        .map(|w| {
            (
                w.week.as_str(),
                w.picks,
                w.shares
                    .iter()
                    .map(|s| (s.attribute.value.as_str(), s.picks, s.share))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2024-08-19", 2, vec![("linen", 2, 1.0)]),
            (
                "2024-09-09",
                4,
                vec![("red", 1, 0.25), ("linen", 1, 0.25), ("silk", 3, 0.75)]
            ),
            ("2024-11-18", 5, vec![("linen", 5, 1.0)]),
        ]
    );
    assert!(style_evolution(&t, &a, "bad").is_empty());
}

#[test]
fn profiles_best_first() {
    let p = |id: &str, ratings: u32, sum: f64, standouts: u32| ProfileSuccess {
        profile_id: id.into(),
        generations: 10,
        ratings,
        rating_sum: sum,
        likes: 0,
        dislikes: 0,
        standouts,
    };
    let rows = [
        p("a", 0, 0.0, 0),  // unrated: last
        p("b", 4, 12.0, 1), // rate 0.25, mean 3
        p("c", 4, 16.0, 1), // rate 0.25, mean 4
        p("d", 2, 10.0, 2), // rate 1
        p("e", 4, 16.0, 1), // ties with c: by id
    ];
    let names = [("c".to_string(), "Relaxed linen".to_string())];
    let out = profile_performance(&rows, &names);
    let ids: Vec<_> = out.iter().map(|p| p.profile_id.as_str()).collect();
    assert_eq!(ids, ["d", "c", "e", "b", "a"]);
    assert_eq!(out[1].name, "Relaxed linen");
    assert_eq!(out[0].name, "d");
    assert_eq!(out[1].mean_rating, Some(4.0));
    assert_eq!(out[4].standout_rate, None);
}

#[test]
fn standout_rates_and_lift() {
    let s = [
        success("fabric", "linen", 4, 18.0, 0, 0, 2),
        success("fabric", "silk", 2, 8.0, 0, 0, 0),
        success("colour", "red", 0, 0.0, 3, 0, 0),
    ];
    // Overall: 20 ratings, 2 standouts: 0.1.
    let r = standout_rates(&s, 20, 2);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].attribute, av("fabric", "linen"));
    assert!(close(r[0].standout_rate, 0.5));
    assert!(close(r[0].lift.unwrap(), 5.0));
    assert!(close(r[1].lift.unwrap(), 0.0));
    // No standouts overall: no lift.
    assert_eq!(standout_rates(&s, 20, 0)[0].lift, None);
}

#[test]
fn feedback_summary_over_the_window() {
    let row = |day: &str, ratings: u32, sum: f64, standouts: u32| DailyTotals {
        day: day.into(),
        feedback: ratings + 1,
        ratings,
        rating_sum: sum,
        likes: 1,
        standouts,
        ..Default::default()
    };
    let t = [
        row("2024-09-03", 9, 9.0, 0), // outside a 7-day window ending 2024-09-10
        row("2024-09-04", 2, 8.0, 1),
        row("2024-09-10", 2, 6.0, 0),
        row("2024-09-04", 1, 5.0, 1), // same day again: added
    ];
    let s = feedback_summary(&t, "2024-09-10", 7);
    assert_eq!(s.days, 7);
    assert_eq!((s.feedback, s.ratings, s.likes, s.standouts), (8, 5, 3, 2));
    assert_eq!(s.mean_rating, Some(19.0 / 5.0));
    assert_eq!(s.standout_rate, Some(0.4));
    let days: Vec<_> = s
        .by_day
        .iter()
        .map(|d| (d.day.as_str(), d.ratings))
        .collect();
    assert_eq!(days, [("2024-09-04", 3), ("2024-09-10", 2)]);
    let empty = feedback_summary(&t, "2024-09-10", 0);
    assert_eq!((empty.feedback, empty.mean_rating), (0, None));
}

#[test]
fn coverage_history_means() {
    let row = |day: &str, reports: u32, sum: f64| DailyTotals {
        day: day.into(),
        coverage_reports: reports,
        coverage_sum: sum,
        ..Default::default()
    };
    let t = [
        row("2024-09-10", 2, 1.5),
        row("2024-09-09", 0, 0.0),
        row("2024-08-01", 1, 1.0),
    ];
    let h = coverage_history(&t, "2024-09-10", 30);
    assert_eq!(
        h,
        vec![
            CoveragePoint {
                day: "2024-09-09".into(),
                reports: 0,
                mean_overall: None
            },
            CoveragePoint {
                day: "2024-09-10".into(),
                reports: 2,
                mean_overall: Some(0.75)
            },
        ]
    );
}

fn no_input(today: &str) -> RecommendationInput<'_> {
    RecommendationInput {
        rates: &[],
        success: &[],
        categories: &[],
        renderable_categories: &[],
        evolution: &[],
        today,
    }
}

#[test]
fn try_more_fires_on_a_high_lift() {
    let s = [
        success("fabric", "linen", 4, 18.0, 2, 0, 2), // rate 0.5, lift 5
        success("fabric", "silk", 2, 10.0, 0, 0, 2),  // too few ratings
        success("colour", "red", 5, 20.0, 0, 0, 1),   // lift 2.0 exactly
        success("colour", "blue", 10, 35.0, 0, 0, 1), // lift 1
    ];
    let rates = standout_rates(&s, 20, 2);
    let recs = recommendations(&RecommendationInput {
        rates: &rates,
        success: &s,
        ..no_input("2024-09-10")
    });
    let msgs: Vec<_> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "linen: standout rate 5.0x your average, try more",
            "red: standout rate 2.0x your average, try more",
        ]
    );
    assert!(recs.iter().all(|r| r.kind == RecommendationKind::TryMore));
    let e = &recs[0].evidence;
    assert_eq!(e["ratings"], 4);
    assert_eq!(e["standouts"], 2);
    assert!(close(e["rate"].as_f64().unwrap(), 0.5));
    assert!(close(e["your_rate"].as_f64().unwrap(), 0.1));
    assert!(close(e["lift"].as_f64().unwrap(), 5.0));
}

#[test]
fn try_less_fires_on_low_ratings_or_dislikes() {
    let s = [
        success("fabric", "polyester", 4, 6.0, 0, 0, 0), // mean 1.5
        success("fabric", "wool", 3, 9.0, 0, 2, 0),      // mean 3, 2 dislikes > 0 + 1
        success("fabric", "denim", 3, 9.0, 1, 2, 0),     // 2 dislikes, not > 1 + 1
        success("fabric", "satin", 2, 2.0, 0, 5, 0),     // too few ratings
        success("fabric", "tweed", 3, 6.3, 0, 0, 0),     // mean 2.1
    ];
    let recs = recommendations(&RecommendationInput {
        success: &s,
        ..no_input("2024-09-10")
    });
    let msgs: Vec<_> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "polyester: mean rating 1.5 over 4 ratings, try less",
            "wool: 2 dislikes against 0 likes, try less",
        ]
    );
    assert_eq!(recs[0].kind, RecommendationKind::TryLess);
    assert_eq!(recs[0].evidence["mean_rating"], 1.5);
}

#[test]
fn mixed_evidence_gives_neither() {
    // Ratings 5, 1, 1, 1: mean 2 (try less) and one standout in four, 2.5x the usual 0.1.
    let s = [success("fabric", "linen", 4, 8.0, 0, 0, 1)];
    let rates = standout_rates(&s, 40, 4);
    let recs = recommendations(&RecommendationInput {
        rates: &rates,
        success: &s,
        ..no_input("2024-09-10")
    });
    assert!(recs.is_empty(), "{recs:?}");
}

fn cat_row(day: &str, category: &str, reports: u32) -> DailyCategoryCoverage {
    DailyCategoryCoverage {
        day: day.into(),
        category: category.into(),
        reports,
    }
}

#[test]
fn never_covered_fires_only_with_recent_reports() {
    let renderable: Vec<String> = ["silhouette", "neckline", "colour", "neckline"]
        .map(String::from)
        .into();
    let rows = [
        cat_row("2024-09-08", "silhouette", 3),
        cat_row("2024-09-09", "silhouette", 1),
        cat_row("2024-09-09", "colour", 1),
        cat_row("2024-08-10", "neckline", 2), // 31 days before 2024-09-10: too old
    ];
    let input = RecommendationInput {
        categories: &rows,
        renderable_categories: &renderable,
        ..no_input("2024-09-10")
    };
    let recs = recommendations(&input);
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].kind, RecommendationKind::NeverCovered);
    assert_eq!(recs[0].message, "neckline never covered in 30 days");
    assert_eq!(recs[0].evidence["category"], "neckline");
    assert_eq!(recs[0].evidence["days"], 30);
    assert_eq!(recs[0].evidence["reports"], 4);

    // Covered 29 days ago (inside the window): silent.
    let mut covered = rows.to_vec();
    covered.push(cat_row("2024-08-12", "neckline", 1));
    assert!(recommendations(&RecommendationInput {
        categories: &covered,
        ..input
    })
    .is_empty());
    // No report at all in the last 30 days: silent.
    let old = [cat_row("2024-08-01", "silhouette", 3)];
    assert!(recommendations(&RecommendationInput {
        categories: &old,
        ..input
    })
    .is_empty());
}

/// Two weeks in each half of the window ending 2024-11-20 (the second half starts 2024-10-07).
fn drift_rows(after_minimal: u32, after_maximal: u32) -> (Vec<DailyTotals>, Vec<DailyAttribute>) {
    let mut t = Vec::new();
    let mut a = Vec::new();
    for day in ["2024-09-03", "2024-09-10"] {
        t.push(totals(day, 4));
        a.push(attr(day, "style", "minimal", 3));
        a.push(attr(day, "style", "maximal", 1));
        a.push(attr(day, "colour", "red", 4));
    }
    for day in ["2024-10-15", "2024-10-22"] {
        t.push(totals(day, 4));
        a.push(attr(day, "style", "minimal", after_minimal));
        a.push(attr(day, "style", "maximal", after_maximal));
        a.push(attr(day, "colour", "red", 3));
    }
    (t, a)
}

#[test]
fn drift_fires_on_a_clear_shift() {
    let (t, a) = drift_rows(1, 3);
    let evolution = style_evolution(&t, &a, "2024-11-20");
    assert_eq!(evolution.len(), 4);
    let recs = recommendations(&RecommendationInput {
        evolution: &evolution,
        ..no_input("2024-11-20")
    });
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].kind, RecommendationKind::Drift);
    assert_eq!(
        recs[0].message,
        "your picks drifted from minimal toward maximal since October"
    );
    let e = &recs[0].evidence;
    assert_eq!(e["category"], "style");
    assert_eq!(e["from"], "minimal");
    assert_eq!(e["to"], "maximal");
    assert_eq!(e["from_share_before"], 0.75);
    assert_eq!(e["from_share_after"], 0.25);
    assert_eq!(e["to_share_before"], 0.25);
    assert_eq!(e["to_share_after"], 0.75);
    assert_eq!(e["since"], "2024-10-14");
}

#[test]
fn drift_stays_silent_on_small_shifts_or_thin_data() {
    // Minimal 0.75 → 0.5 is a fall of exactly 0.25, maximal 0.25 → 0.5 a rise of 0.25: fires.
    let (t, a) = drift_rows(2, 2);
    let ev = style_evolution(&t, &a, "2024-11-20");
    assert_eq!(
        recommendations(&RecommendationInput {
            evolution: &ev,
            ..no_input("2024-11-20")
        })
        .len(),
        1
    );
    // Only one week in the second half: silent.
    let (t, a) = drift_rows(1, 3);
    let mut ev = style_evolution(&t, &a, "2024-11-20");
    ev.pop();
    assert!(recommendations(&RecommendationInput {
        evolution: &ev,
        ..no_input("2024-11-20")
    })
    .is_empty());
    // No change: silent.
    let (t, a) = drift_rows(3, 1);
    let ev = style_evolution(&t, &a, "2024-11-20");
    assert!(recommendations(&RecommendationInput {
        evolution: &ev,
        ..no_input("2024-11-20")
    })
    .is_empty());
    // Too few picks in each half (2 + 2 < 6).
    let (mut t, a) = drift_rows(1, 3);
    for row in &mut t {
        row.picks = 2;
    }
    let ev = style_evolution(&t, &a, "2024-11-20");
    assert!(recommendations(&RecommendationInput {
        evolution: &ev,
        ..no_input("2024-11-20")
    })
    .is_empty());
}

#[test]
fn silent_without_data() {
    assert!(recommendations(&no_input("2024-09-10")).is_empty());
    assert!(recommendations(&no_input("not a day")).is_empty());
}

#[test]
fn at_most_eight_most_actionable_first() {
    // Six try-more, six try-less, three never-covered.
    let mut s = Vec::new();
    for i in 0..6 {
        s.push(success(
            "fabric",
            &format!("good{i}"),
            4,
            20.0,
            0,
            0,
            2 + (i % 2),
        ));
        s.push(success(
            "colour",
            &format!("bad{i}"),
            4,
            4.0 + f64::from(i),
            0,
            0,
            0,
        ));
    }
    let rates = standout_rates(&s, 100, 5);
    let renderable: Vec<String> = ["a", "b", "c"].map(String::from).into();
    let rows = [cat_row("2024-09-10", "fabric", 1)];
    let recs = recommendations(&RecommendationInput {
        rates: &rates,
        success: &s,
        categories: &rows,
        renderable_categories: &renderable,
        ..no_input("2024-09-10")
    });
    let kinds: Vec<_> = recs.iter().map(|r| r.kind).collect();
    use RecommendationKind::*;
    // Two places each first (2 + 2 + 2), the two left go to "try more".
    assert_eq!(
        kinds,
        [
            TryMore,
            TryMore,
            TryMore,
            TryMore,
            TryLess,
            TryLess,
            NeverCovered,
            NeverCovered
        ]
    );
    // The highest lifts first: good1, good3, good5 have 3 standouts.
    assert!(recs[0].message.starts_with("good1:"));
    assert!(recs[4].message.starts_with("bad0: mean rating 1.0"));
    // Serialised kinds are snake case.
    assert_eq!(
        serde_json::to_value(&recs[6]).unwrap()["kind"],
        "never_covered"
    );
}

#[test]
fn a_week_belongs_to_the_half_holding_its_thursday() {
    // Today Thursday 2024-11-21: the second half starts Tuesday 2024-10-08, so the week of
    // Monday 2024-10-07 (Thursday 2024-10-10) belongs to it.
    let mut t = Vec::new();
    let mut a = Vec::new();
    for (day, minimal, maximal) in [
        ("2024-09-03", 3, 1),
        ("2024-09-10", 3, 1),
        ("2024-10-07", 1, 3),
        ("2024-10-22", 1, 3),
    ] {
        t.push(totals(day, 4));
        a.push(attr(day, "style", "minimal", minimal));
        a.push(attr(day, "style", "maximal", maximal));
    }
    let ev = style_evolution(&t, &a, "2024-11-21");
    let recs = recommendations(&RecommendationInput {
        evolution: &ev,
        ..no_input("2024-11-21")
    });
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].evidence["since"], "2024-10-07");
    assert_eq!(recs[0].evidence["to_share_after"], 0.75);
}
