//! Batch refinement: splitting a story that turns out to hold two events.
//!
//! The central function is [`split`]. Online grouping decides each document from what came
//! before; its hardest call is the first report of a second event of a kind already in the
//! index (another boxing title defence, another navy operation against pirates), which often
//! resembles the first event's story as much as a same-event report would. Once a story has
//! its members, the question becomes easier, because it can be asked of the whole group: do
//! the members form two camps, each tighter inside than between them?
//!
//! [`split`] answers it by average-link agglomeration of the members down to two groups, then
//! a separation test: the mean similarity *between* the two groups must be below
//! [`RefineConfig::ratio`] times the lesser of the mean similarities *within* each. If so the
//! story is split and each half is tested again; if not it is kept. Each part needs at least
//! [`RefineConfig::min_part`] members, so a lone off-topic report is not cut out as an event.
//!
//! This is the optional batch pass of `syndic stories --refine`: it runs when a story closes
//! (or at the end of the input), so it knows all of the story's members — the "future" of the
//! earliest ones. It is reported separately from the online figures. Cost: quadratic in a
//! story's members for the similarity matrix and cubic for the agglomeration, so only stories
//! of at most [`RefineConfig::max_members`] voices are examined.

use serde::{Deserialize, Serialize};

/// Settings of the refinement pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefineConfig {
    /// Separation test: split when the mean similarity between the two halves is below
    /// `ratio` × the lesser mean similarity within them. Default 0.6, chosen on ECB+ train
    /// together with [`RefineConfig::contrast`] (see `docs/stories.md`).
    /// Higher splits more (a story's reports from different angles get cut apart), lower
    /// splits only clear-cut mixtures.
    pub ratio: f32,
    /// Least members of each half. Default 2.
    pub min_part: usize,
    /// Stories with more voices than this are kept as they are. Default 400.
    pub max_members: usize,
    /// How much the members' similarity looks past what the whole story shares: each
    /// feature's weight is multiplied by its IDF *within the story*, `ln((n + 1) / df)` for
    /// `n` members of which `df` hold it, raised to this power. 0 (off) compares members
    /// with the corpus weights alone. Higher lets the words every member shares (the kind of
    /// event: "patch", "Internet Explorer") fade, so that what tells two events of that kind
    /// apart (their own names, places, numbers) decides the split. Default 0.35, chosen on
    /// ECB+ train (0.3 scores within 0.003 of it there; 0.45 and more split events apart).
    pub contrast: f32,
}

impl Default for RefineConfig {
    fn default() -> Self {
        RefineConfig {
            ratio: 0.6,
            min_part: 2,
            max_members: 400,
            contrast: 0.35,
        }
    }
}

/// Splits `n` members whose pairwise similarity is `sim(i, j)` (symmetric, `i != j`) into
/// groups, per the module docs. Returns each member's group number; group 0 holds member 0,
/// and groups are numbered in order of their first member.
pub fn split(n: usize, sim: impl Fn(usize, usize) -> f32, config: &RefineConfig) -> Vec<usize> {
    let mut matrix = vec![0.0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s = sim(i, j);
            matrix[i * n + j] = s;
            matrix[j * n + i] = s;
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut pending = vec![(0..n).collect::<Vec<usize>>()];
    while let Some(members) = pending.pop() {
        match bisect(&members, &matrix, n, config) {
            Some((a, b)) => {
                pending.push(b);
                pending.push(a);
            }
            None => groups.push(members),
        }
    }
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_unstable_by_key(|g| g[0]);
    let mut out = vec![0; n];
    for (number, g) in groups.iter().enumerate() {
        for &m in g {
            out[m] = number;
        }
    }
    out
}

/// Two halves of `members` if they pass the separation test.
fn bisect(
    members: &[usize],
    matrix: &[f32],
    n: usize,
    config: &RefineConfig,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let m = members.len();
    let min_part = config.min_part.max(1);
    if m < 2 * min_part || m > config.max_members {
        return None;
    }
    let at = |a: usize, b: usize| matrix[members[a] * n + members[b]];
    // Average-link agglomeration down to two clusters, with a cluster-to-cluster table of
    // similarity sums (Lance–Williams update for sums).
    let mut clusters: Vec<Vec<usize>> = (0..m).map(|i| vec![i]).collect();
    let mut sums: Vec<Vec<f32>> = (0..m)
        .map(|i| {
            (0..m)
                .map(|j| if i == j { 0.0 } else { at(i, j) })
                .collect()
        })
        .collect();
    let mut alive: Vec<bool> = vec![true; m];
    let mut count = m;
    while count > 2 {
        let mut best: Option<(f32, usize, usize)> = None;
        for a in 0..m {
            if !alive[a] {
                continue;
            }
            for b in a + 1..m {
                if !alive[b] {
                    continue;
                }
                let mean = sums[a][b] / (clusters[a].len() * clusters[b].len()) as f32;
                if best.is_none_or(|(v, _, _)| mean > v) {
                    best = Some((mean, a, b));
                }
            }
        }
        let (_, a, b) = best?;
        let moved = std::mem::take(&mut clusters[b]);
        clusters[a].extend(moved);
        alive[b] = false;
        for c in 0..m {
            if alive[c] && c != a {
                let s = sums[a][c] + sums[b][c];
                sums[a][c] = s;
                sums[c][a] = s;
            }
        }
        count -= 1;
    }
    let halves: Vec<usize> = (0..m).filter(|&c| alive[c]).collect();
    let (x, y) = (&clusters[halves[0]], &clusters[halves[1]]);
    if x.len() < min_part || y.len() < min_part {
        return None;
    }
    let within = |g: &[usize]| {
        let mut s = 0.0;
        for (i, &a) in g.iter().enumerate() {
            for &b in &g[i + 1..] {
                s += at(a, b);
            }
        }
        s / (g.len() * (g.len() - 1) / 2) as f32
    };
    let between = sums[halves[0]][halves[1]] / (x.len() * y.len()) as f32;
    if between < config.ratio * within(x).min(within(y)) {
        let pick = |g: &[usize]| g.iter().map(|&i| members[i]).collect::<Vec<usize>>();
        Some((pick(x), pick(y)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members below `a` are one camp, the rest another: similarity `inside` within a camp,
    /// `across` between.
    fn camps(a: usize, inside: f32, across: f32) -> impl Fn(usize, usize) -> f32 {
        move |i, j| if (i < a) == (j < a) { inside } else { across }
    }

    #[test]
    fn two_clear_camps_are_split() {
        let groups = split(8, camps(3, 0.5, 0.1), &RefineConfig::default());
        assert_eq!(groups, [0, 0, 0, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn one_camp_or_weak_separation_is_kept() {
        let config = RefineConfig::default();
        assert_eq!(split(6, camps(3, 0.4, 0.35), &config), [0; 6]);
        assert_eq!(split(5, |_, _| 0.3, &config), [0; 5]);
        assert_eq!(split(1, |_, _| 0.0, &config), [0]);
        assert_eq!(split(0, |_, _| 0.0, &config), Vec::<usize>::new());
    }

    #[test]
    fn a_lone_outlier_is_not_an_event() {
        // Member 4 is unlike everyone, but a part needs two members.
        let sim = |i: usize, j: usize| if i == 4 || j == 4 { 0.01 } else { 0.5 };
        assert_eq!(split(5, sim, &RefineConfig::default()), [0; 5]);
    }

    #[test]
    fn halves_are_split_again_and_numbered_by_first_member() {
        // Three camps, interleaved: {0,3,6}, {1,4,7}, {2,5,8}.
        let sim = |i: usize, j: usize| if i % 3 == j % 3 { 0.6 } else { 0.05 };
        let groups = split(9, sim, &RefineConfig::default());
        assert_eq!(groups, [0, 1, 2, 0, 1, 2, 0, 1, 2]);
    }
}
