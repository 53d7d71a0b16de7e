namespace CaiEvents.Dashboard.Labels;

/// <summary>
/// One (label, principle) judged in both orders: <see cref="FirstInAb"/> is P_AB, the probability of the option shown first
/// when A is first, and <see cref="OneMinusFirstInBa"/> is 1 − P_BA. A judge that ignores positions puts the point on the
/// diagonal; its distance along an axis is the position bias |P_AB − (1 − P_BA)|.
/// </summary>
public sealed record PositionBiasPoint(Guid LabelId, string PrincipleId, double FirstInAb, double OneMinusFirstInBa);
