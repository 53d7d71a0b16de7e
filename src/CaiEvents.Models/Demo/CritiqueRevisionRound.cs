namespace CaiEvents.Models.Demo;

/// <summary>
/// One finished critique/revision round of a demo dialogue: the four texts the supervised stage records per round (Domain's
/// <c>CompletedRound</c>, which this project cannot reference).
/// </summary>
public sealed record CritiqueRevisionRound(string CritiqueRequest, string Critique, string RevisionRequest, string Revision);
