using CaiEvents.Contracts;

namespace CaiEvents.Models.Remote;

/// <summary>Which API this process uses for one remote model name, and what it learnt on the way (<see cref="RemoteApiSelection"/>).</summary>
/// <param name="Api">Chat (<c>/chat/completions</c>) or the legacy <c>/completions</c>.</param>
/// <param name="Prefill">The server accepted a final assistant message to continue (chat only).</param>
/// <param name="Served">The server's <c>/models</c> entry for the name; null when it lists none or could not be reached.</param>
/// <param name="Reached">False: the server could not be reached, or was busy (429/5xx), when the model was loaded; the choice is not kept.</param>
public sealed record RemoteApiChoice(RemoteApi Api, bool Prefill, ServedModel? Served, bool Reached);
