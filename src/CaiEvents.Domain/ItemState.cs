namespace CaiEvents.Domain;

/// <summary>
/// The state of one item stream of a run (a sample, or a comparison pair), as the shared idempotent step
/// executor needs it: which run it belongs to, whether it is settled, and how events fold into it.
/// </summary>
public interface IItemState<TSelf> where TSelf : IItemState<TSelf>
{
    Guid Id { get; }
    Guid RunId { get; }
    bool IsSettled { get; }
    TSelf Evolve(object e);
}
