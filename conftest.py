"""Lets pytest import the collection as ansible_collections.v6only.gateway from the checkout."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "collections"))
