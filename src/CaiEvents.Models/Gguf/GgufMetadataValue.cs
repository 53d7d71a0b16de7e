namespace CaiEvents.Models.Gguf;

/// <summary>
/// One typed GGUF metadata value. <see cref="Value"/> holds the CLR value of <see cref="Type"/> (byte, sbyte, ushort, short,
/// uint, int, float, bool, string, ulong, long, double) or, for <see cref="GgufValueType.Array"/>, a CLR array of
/// <see cref="ElementType"/> values (e.g. <c>string[]</c>, <c>int[]</c>).
/// </summary>
public sealed record GgufMetadataValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public static GgufMetadataValue UInt8(byte value) => new(GgufValueType.UInt8, value);

    public static GgufMetadataValue Int8(sbyte value) => new(GgufValueType.Int8, value);

    public static GgufMetadataValue UInt16(ushort value) => new(GgufValueType.UInt16, value);

    public static GgufMetadataValue Int16(short value) => new(GgufValueType.Int16, value);

    public static GgufMetadataValue UInt32(uint value) => new(GgufValueType.UInt32, value);

    public static GgufMetadataValue Int32(int value) => new(GgufValueType.Int32, value);

    public static GgufMetadataValue Float32(float value) => new(GgufValueType.Float32, value);

    public static GgufMetadataValue Bool(bool value) => new(GgufValueType.Bool, value);

    public static GgufMetadataValue String(string value) => new(GgufValueType.String, value ?? throw new ArgumentNullException(nameof(value)));

    public static GgufMetadataValue UInt64(ulong value) => new(GgufValueType.UInt64, value);

    public static GgufMetadataValue Int64(long value) => new(GgufValueType.Int64, value);

    public static GgufMetadataValue Float64(double value) => new(GgufValueType.Float64, value);

    /// <summary>An array of <paramref name="elementType"/> values; <paramref name="values"/> must be the matching CLR array type.</summary>
    public static GgufMetadataValue Array(GgufValueType elementType, System.Array values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (elementType == GgufValueType.Array)
        {
            throw new ArgumentException("Nested GGUF arrays are not supported here.", nameof(elementType));
        }
        if (values.GetType().GetElementType() != ClrType(elementType))
        {
            throw new ArgumentException($"A GGUF {elementType} array needs a {ClrType(elementType).Name}[], not {values.GetType().Name}.", nameof(values));
        }
        return new GgufMetadataValue(GgufValueType.Array, values, elementType);
    }

    public static GgufMetadataValue Strings(IEnumerable<string> values) => Array(GgufValueType.String, values.ToArray());

    public static GgufMetadataValue Int32s(IEnumerable<int> values) => Array(GgufValueType.Int32, values.ToArray());

    public static GgufMetadataValue Float32s(IEnumerable<float> values) => Array(GgufValueType.Float32, values.ToArray());

    /// <summary>The value as a string; throws when it is not a GGUF string.</summary>
    public string AsString() => Type == GgufValueType.String ? (string)Value : throw WrongType("string");

    /// <summary>Any integer value (signed or unsigned, any width) as a long.</summary>
    public long AsInteger() => Value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        ulong v => checked((long)v),
        long v => v,
        _ => throw WrongType("integer"),
    };

    /// <summary>A float or integer value as a double.</summary>
    public double AsDouble() => Value switch
    {
        float v => v,
        double v => v,
        _ => AsInteger(),
    };

    /// <summary>An array's elements; throws when this is not an array of <typeparamref name="T"/>.</summary>
    public T[] AsArray<T>() => Type == GgufValueType.Array && Value is T[] array ? array : throw WrongType($"{typeof(T).Name}[]");

    /// <summary>The CLR type that holds one value of <paramref name="type"/>.</summary>
    public static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar GGUF type"),
    };

    private InvalidOperationException WrongType(string wanted) => new($"GGUF value of type {Type} is not a {wanted}.");
}
