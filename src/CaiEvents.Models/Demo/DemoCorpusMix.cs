namespace CaiEvents.Models.Demo;

/// <summary>
/// Relative weights of the document kinds (they need not sum to 1). Defaults put most weight on red-team
/// critique/revision documents and on comparisons, the two skills the demo model must show.
/// </summary>
public sealed record DemoCorpusMix(
    double SlRedTeamHarmfulFirst = 0.34,
    double SlRedTeamHarmlessFirst = 0.05,
    double SlHelpfulGoodFirst = 0.05,
    double SlHelpfulUnhelpfulFirst = 0.06,
    double PlainRedTeam = 0.08,
    double PlainHelpful = 0.08,
    double ComparisonRedTeam = 0.27,
    double ComparisonHelpful = 0.07);
