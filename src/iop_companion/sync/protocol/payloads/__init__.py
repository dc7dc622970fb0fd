"""The content of each kind of pushed record, one module per record family.

Every payload model forbids unknown fields and accepts JSON's own types only (strict);
`push.payload_problem` checks a record against the model of its kind. `family` holds
the participant's answer about who joined with their invite (`family_confirmation`).
"""

