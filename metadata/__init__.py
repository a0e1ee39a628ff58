"""The portal's vocabulary: messages, schemas, Table Schema profiles, serializers."""
