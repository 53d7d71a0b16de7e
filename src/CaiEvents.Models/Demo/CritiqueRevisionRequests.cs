namespace CaiEvents.Models.Demo;

/// <summary>One critique/revision principle as the generator needs it: its id and the two request texts.</summary>
/// <remarks>
/// The id is used only to pick critique openers that fit the principle; unknown ids are fine (the critique then
/// has no principle-specific opener). Callers pass the constitution's principles (Domain's
/// <c>Constitution.CritiqueRevision</c>); this project does not reference Domain.
/// </remarks>
public sealed record CritiqueRevisionRequests(string Id, string CritiqueRequest, string RevisionRequest);
