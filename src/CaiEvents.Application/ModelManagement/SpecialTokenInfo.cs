namespace CaiEvents.Application.ModelManagement;

/// <summary>One special token of a model: its role (<c>bos</c>, <c>eos</c>, <c>pad</c>, <c>stop</c>), id and text.</summary>
public sealed record SpecialTokenInfo(string Role, int Id, string? Text);
