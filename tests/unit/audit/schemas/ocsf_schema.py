"""A small resolver and validator for the published OCSF schema (../shared/schemas/ocsf, see
its README): a class is its file, then what it `extends` (peripheral_activity -> system ->
base_event), attributes merged child over parent, `$include`d profiles' attributes tagged with
their profile, each attribute's type and enum from dictionary.json merged with the class's own,
objects from objects/NAME.json (which may extend too). An event is valid when every attribute
it carries exists in its class (profile attributes only when the event declares the profile in
metadata.profiles), has its dictionary type, an enum value the schema lists, and every required
attribute of the class and of each object it carries is present."""

import json
import os
import re

from samples import schemas_dir

DERIVED_UIDS = ("class_uid", "category_uid", "type_uid")

SCALAR_CHECKS = {
    "string_t": lambda v: isinstance(v, str),
    "integer_t": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "long_t": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float_t": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean_t": lambda v: isinstance(v, bool),
    "json_t": lambda v: True,
}


def _load(path):
    with open(path) as handle:
        return json.load(handle)


def _merge_attribute(base, override):
    merged = dict(base)
    for key, value in override.items():
        if key == "enum" and "enum" in merged:
            enum = dict(merged["enum"])
            enum.update(value)
            merged["enum"] = enum
        else:
            merged[key] = value
    return merged


class Schema:
    def __init__(self, root=None):
        self.root = root or os.path.join(schemas_dir(), "ocsf")
        self.dictionary = _load(os.path.join(self.root, "dictionary.json"))
        self.attributes = self.dictionary["attributes"]
        self.types = self.dictionary["types"]["attributes"]
        self.categories = _load(os.path.join(self.root, "categories.json"))["attributes"]
        self.version = _load(os.path.join(self.root, "version.json"))["version"]
        self._events = {}
        for directory, _, files in os.walk(os.path.join(self.root, "events")):
            for name in files:
                if name.endswith(".json"):
                    self._events[name[:-5]] = os.path.join(directory, name)

    # ---- resolution ----

    def _attributes_of(self, definition, profile=None):
        """The attributes of a class/object/profile file, $include'd profiles tagged."""
        resolved = {}
        for name, attribute in definition.get("attributes", {}).items():
            if name == "$include":
                for include in attribute:
                    included = _load(os.path.join(self.root, include))
                    for key, value in self._attributes_of(included).items():
                        value = dict(value)
                        value.setdefault("profile", included["name"])
                        resolved[key] = _merge_attribute(resolved.get(key, {}), value)
                continue
            attribute = dict(attribute)
            if profile is not None:
                attribute.setdefault("profile", profile)
            resolved[name] = _merge_attribute(resolved.get(name, {}), attribute)
        return resolved

    def _resolve(self, definition, loader):
        chain = [definition]
        while chain[-1].get("extends"):
            chain.append(loader(chain[-1]["extends"]))
        attributes, profiles = {}, set()
        for level in reversed(chain):  # base first, child overrides
            for name, attribute in self._attributes_of(level).items():
                attributes[name] = _merge_attribute(attributes.get(name, {}), attribute)
            profiles.update(level.get("profiles", []))
        for name, attribute in attributes.items():  # the dictionary under the class's word
            attributes[name] = _merge_attribute(self.attributes.get(name, {}), attribute)
        return attributes, profiles

    def event_class(self, class_uid):
        """(definition, attributes, supported profiles, category) for a class_uid."""
        for name in self._events:
            definition = _load(self._events[name])
            if "uid" not in definition and name != "base_event":
                continue
            level = definition  # the category is inherited: peripheral_activity -> system
            while "category" not in level and level.get("extends"):
                level = _load(self._events[level["extends"]])
            category = self.categories.get(level.get("category"), {"uid": 0})
            uid = category["uid"] * 1000 + definition.get("uid", 0)
            if uid == class_uid:
                attributes, profiles = self._resolve(
                    definition, lambda n: _load(self._events[n]))
                return definition, attributes, profiles, category
        raise KeyError("no OCSF class with class_uid %d" % class_uid)

    def object_attributes(self, name):
        definition = _load(os.path.join(self.root, "objects", name + ".json"))
        attributes, _ = self._resolve(
            definition, lambda n: _load(os.path.join(self.root, "objects", n + ".json")))
        return attributes

    def base_type(self, type_name):
        seen = type_name
        while seen in self.types and self.types[seen].get("type"):
            seen = self.types[seen]["type"]
        return seen

    # ---- validation ----

    def problems(self, event):
        problems = []
        try:
            definition, attributes, supported, category = self.event_class(event["class_uid"])
        except (KeyError, TypeError) as error:
            return [str(error)]
        declared = set(event.get("metadata", {}).get("profiles", []))
        for profile in sorted(declared - supported):
            problems.append("profile %s is not one class %s supports" %
                            (profile, event["class_uid"]))
        active = {name: attribute for name, attribute in attributes.items()
                  if attribute.get("profile") in (None, *declared)}
        self._check_object(event, active, "", problems)
        if event.get("category_uid") != category["uid"]:
            problems.append("category_uid %s, the class is in %s" %
                            (event.get("category_uid"), category["uid"]))
        if event.get("type_uid") != event["class_uid"] * 100 + event.get("activity_id", -1):
            problems.append("type_uid is not class_uid * 100 + activity_id")
        if "class_name" in event and event["class_name"] != definition["caption"]:
            problems.append("class_name %r, the class is %r" %
                            (event["class_name"], definition["caption"]))
        if "category_name" in event and event["category_name"] != category.get(
                "caption", "Uncategorized"):
            problems.append("category_name %r" % event["category_name"])
        if event.get("metadata", {}).get("version") != self.version:
            problems.append("metadata.version %r, the schema is %r" %
                            (event.get("metadata", {}).get("version"), self.version))
        return problems

    def _check_object(self, value, attributes, path, problems):
        for name, attribute in attributes.items():
            if attribute.get("requirement") == "required" and name not in value:
                problems.append("%s%s is required" % (path, name))
        for name, item in value.items():
            where = path + name
            attribute = attributes.get(name)
            if attribute is None:
                problems.append("%s is not an attribute here" % where)
                continue
            self._check_value(item, attribute, where, problems)
            enum = attribute.get("enum")
            # class_uid, category_uid, type_uid: the schema lists only the base event's 0 (the
            # OCSF server generates the rest); problems() checks them against the class.
            if enum is not None and path == "" and name in DERIVED_UIDS:
                enum = None
            if enum is not None:
                if str(item) not in enum:
                    problems.append("%s = %r is not one of %s" % (where, item, sorted(enum)))
                elif name.endswith("_id"):
                    sibling = name[:-3]
                    caption = enum[str(item)]["caption"]
                    if sibling in value and str(item) != "99" and value[sibling] != caption:
                        problems.append("%s%s = %r, the caption of %s %s is %r" % (
                            path, sibling, value[sibling], name, item, caption))

    def _check_value(self, item, attribute, where, problems):
        type_name = attribute.get("type")
        if type_name is None:
            problems.append("%s has no type in the dictionary" % where)
            return
        if attribute.get("is_array"):
            if not isinstance(item, list):
                problems.append("%s must be an array" % where)
                return
            items = item
        else:
            items = [item]
        for element in items:
            if type_name == "object":  # unmapped: any JSON object
                if not isinstance(element, dict):
                    problems.append("%s must be an object" % where)
                continue
            if type_name.endswith("_t"):
                base = self.base_type(type_name)
                check = SCALAR_CHECKS.get(base)
                if check is None or not check(element):
                    problems.append("%s = %r is not a %s" % (where, element, type_name))
                regex = self.types.get(type_name, {}).get("regex")
                if regex and isinstance(element, str) and not re.fullmatch(regex, element):
                    problems.append("%s = %r does not match %s" % (where, element, type_name))
                continue
            if not isinstance(element, dict):
                problems.append("%s must be a %s object" % (where, type_name))
                continue
            self._check_object(element, self.object_attributes(type_name), where + ".",
                               problems)
